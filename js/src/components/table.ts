// The page table: sortable headers; a click on a row opens its record, selection is by the row's checkbox,
// Space, or Ctrl/Shift-click; arrows move between rows, Enter opens. Private columns (`_aux`) are shown
// only when asked for by name. Headers read "created_by → handle" (the raw path in their tooltip), sizes
// "31.7 kB" (the bytes in a tooltip), and a path too long for its column keeps its end in view.
import type { Frame } from "../arrow";
import { h } from "../ui/dom";
import { columnLabel, exactBytes, formatValue, humanSize, isPathLike, isPrivate, isSizeColumn, nextOrder } from "../ui/format";

export interface TableOptions {
  onSort(order: string[]): void;
  onToggle(id: number): void;
  /** Shift-click: select every row from the last toggled one to this one. */
  onRange?(ids: number[]): void;
  onOpen(id: number): void;
  sortable(column: string): boolean;
  selectable?: boolean; // a checkbox column (default true)
  /** A column's summary (components/summaries.ts), in a second header row; null: none for that column. */
  summary?(column: string): Node | null;
}

/** Scroll a container vertically (never sideways) so that `row` is in view. */
export function revealRow(container: HTMLElement, row: HTMLElement): void {
  const top = row.offsetTop;
  const bottom = top + row.offsetHeight;
  const header = container.querySelector("thead")?.getBoundingClientRect().height ?? 0;
  if (top - header < container.scrollTop) container.scrollTop = Math.max(0, top - header);
  else if (bottom > container.scrollTop + container.clientHeight) container.scrollTop = bottom - container.clientHeight;
}

/** Rows of a list or table: arrows, Home/End, Enter (open), Space (select), Ctrl/Shift-click. */
export function rowBehaviour(
  container: HTMLElement,
  row: HTMLElement,
  id: number,
  check: HTMLInputElement | null,
  options: {
    onToggle(id: number): void;
    onOpen(id: number): void;
    onRange?(ids: number[]): void;
    anchor: { id: number | null };
    /** Add the page's next rows not yet in the DOM; false when there are none. */
    more?(): boolean;
  },
  rows: () => HTMLElement[],
): void {
  const moveTo = (next: HTMLElement | undefined) => {
    if (!next) return;
    next.focus({ preventScroll: true });
    revealRow(container, next);
  };
  row.addEventListener("mousedown", (e) => {
    if (e.target === check) return;
    if (e.shiftKey) e.preventDefault(); // no text selection for a range
    row.focus({ preventScroll: true }); // focusing a wide row must not scroll the table sideways
  });
  row.addEventListener("click", (e) => {
    if (e.target === check) {
      options.anchor.id = id;
      options.onToggle(id);
      return;
    }
    if (e.shiftKey && options.onRange && options.anchor.id !== null) {
      const all = rows().map((r) => Number(r.dataset.id));
      const [a, b] = [all.indexOf(options.anchor.id), all.indexOf(id)].sort((x, y) => x - y);
      if (a >= 0) {
        options.onRange(all.slice(a, b + 1));
        return;
      }
    }
    if (e.shiftKey || e.ctrlKey || e.metaKey) {
      options.anchor.id = id;
      options.onToggle(id);
      return;
    }
    options.onOpen(id);
  });
  row.addEventListener("keydown", (e) => {
    if (e.target !== row) return;
    const all = rows();
    const index = all.indexOf(row);
    if (e.key === " ") {
      e.preventDefault();
      options.anchor.id = id;
      options.onToggle(id);
    } else if (e.key === "Enter") {
      e.preventDefault();
      options.onOpen(id);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const down = e.key === "ArrowDown";
      const next = all[index + (down ? 1 : -1)] ?? (down && options.more?.() ? rows()[index + 1] : undefined);
      moveTo(next);
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      if (e.key === "End") while (options.more?.());
      const every = rows();
      moveTo(e.key === "Home" ? every[0] : every[every.length - 1]);
    }
  });
}

/** Rows put in the DOM when a page arrives: those that fill the table's box (`rowsToFill`), at most
 * FIRST_ROWS; the page's others are added MORE_ROWS at a time as the table is scrolled (or the keyboard
 * moves) towards its end, so a page of 500 rows costs the browser the layout of the rows in view, not of
 * 500 rows x all columns. */
export const FIRST_ROWS = 50;
export const MORE_ROWS = 100;
/** Scrolled this close (px) to the end of the rows in the DOM, the next ones are added. */
export const MORE_WITHIN_PX = 150;
/** A row's height (px) before one is measured: 13 px text, 2 px padding each side, a 1 px border. */
const ROW_PX = 23;

/** The rows that fill `wrap` up to its max-height, and MORE_WITHIN_PX more (what scrolling adds to comes
 * later): each row costs the browser ~0.3 ms of style and layout, so a notebook's table of 420 px takes
 * 28 rows of 20 px at once, not 50. `row`: one already shown, for its height. A box of no fixed height
 * (or none laid out, as in tests) takes FIRST_ROWS. */
export function rowsToFill(wrap: HTMLElement, row: HTMLElement | null): number {
  const box = parseFloat(getComputedStyle(wrap).maxHeight);
  if (!Number.isFinite(box) || box <= 0) return FIRST_ROWS;
  const height = row?.offsetHeight || ROW_PX;
  return Math.max(10, Math.min(FIRST_ROWS, Math.ceil((box + MORE_WITHIN_PX) / height)));
}
/** Column widths, in characters of the cells' text (a longer value is ellipsized, its text in a tooltip). */
const MIN_CH = 3;
const MAX_CH = 40;
/** The width of an average character of a uid, a key or a name, in `ch`. */
const LETTER_CH = 1.2;
/** A cell's padding and border (the styles' 8 px each side, 1 px border), and the checkbox column. */
const CELL_PX = 17;
const CHECK_PX = 28;

/** Each column's width in `ch`, from the longest text of its header and cells (clamped). A `ch` is the
 * width of a digit: letters of a proportional font (`W`, `m`, capitals) are wider, hence the margin. */
export function columnWidths(header: string[], cells: string[][], minCh = MIN_CH): number[] {
  return header.map((name, i) => {
    let longest = name.length + 2; // room for the sort arrow
    for (const row of cells) if (row[i].length > longest) longest = row[i].length;
    return Math.min(MAX_CH, Math.max(minCh, Math.ceil(longest * LETTER_CH)));
  });
}

/** The narrowest column with a summary under its header: a histogram of 20 bars stays readable. */
export const SUMMARY_MIN_CH = 14;

export function pageTable(options: TableOptions) {
  const table = h("table", { class: "lw-table", role: "grid", "aria-multiselectable": options.selectable !== false ? "true" : undefined });
  const wrap = h("div", { class: "lw-tablewrap" }, table);
  const anchor = { id: null as number | null };
  let liveSelected = new Set<number>(); // rows added later show the selection of then
  let more: () => boolean = () => false;
  let shownHead: { key: string; summaries: (Node | null)[]; thead: HTMLElement } | null = null;
  wrap.addEventListener(
    "scroll",
    () => {
      if (wrap.scrollTop + wrap.clientHeight > wrap.scrollHeight - MORE_WITHIN_PX) more();
    },
    { passive: true },
  );

  /** `shown`: the columns to show, in order (default: every column of the frame but private ones).
   *
   * The columns get fixed widths from the page's text (`table-layout: fixed`): the browser measures no
   * cell to size them, and rows added later never move a column. The rows that fill the box go in at once
   * (`rowsToFill`), built off the document; the others when scrolled to (`more`). */
  function render(frame: Frame, order: string[], selected: Set<number>, shown?: string[]) {
    liveSelected = selected;
    const present = new Set(frame.columns);
    const columns = (shown ?? frame.columns.filter((c) => !isPrivate(c))).filter((c) => c !== "id" && present.has(c));
    const selectable = options.selectable !== false;
    const numeric = new Set(frame.columns.filter((_, i) => frame.types[i] === "number"));
    const sizes = new Set(columns.filter((column) => numeric.has(column) && isSizeColumn(column)));
    const cellText = (row: Record<string, unknown>, column: string) => (sizes.has(column) ? humanSize(row[column]) : formatValue(row[column]));
    const texts = frame.rows.map((row) => [String(row.id), ...columns.map((column) => cellText(row, column))]);
    const summaries = options.summary ? columns.map((column) => options.summary!(column)) : null;
    const widths = columnWidths(["id", ...columns.map(columnLabel)], texts).map((width, i) => (i > 0 && summaries?.[i - 1] ? Math.max(width, SUMMARY_MIN_CH) : width));
    const colgroup = h("colgroup", {}, selectable && h("col", { class: "lw-col-check" }));
    for (const width of widths) colgroup.append(h("col", { style: `width: calc(${width}ch + ${CELL_PX}px)` }));
    const first = rowsToFill(wrap, table.querySelector<HTMLElement>("tbody tr[data-id]"));
    const body = h("tbody");
    const rows = () => [...body.querySelectorAll<HTMLElement>("tr[data-id]")];
    let added = 0;
    const rowOf = (index: number) => {
      const id = Number(frame.rows[index].id);
      const isSelected = liveSelected.has(id);
      const check = selectable ? h("input", { type: "checkbox", checked: isSelected, tabIndex: -1, "aria-label": `Select ${id}` }) : null;
      const tr = h(
        "tr",
        { "aria-selected": selectable ? String(isSelected) : undefined, tabIndex: 0, "data-id": String(id), title: "Open the record (Enter); select with Space" },
        check && h("td", { class: "lw-check" }, check),
        h("td", { class: "lw-num" }, texts[index][0]),
      );
      columns.forEach((column, i) => {
        const text = texts[index][i + 1];
        const cut = Math.ceil(text.length * LETTER_CH) > widths[i + 1];
        if (sizes.has(column)) tr.append(h("td", { class: "lw-num", title: exactBytes(frame.rows[index][column]) || undefined }, text));
        else if (cut && isPathLike(text)) tr.append(h("td", { class: "lw-path-cell", title: text }, h("bdi", { dir: "ltr" }, text)));
        else tr.append(h("td", { class: numeric.has(column) ? "lw-num" : "", title: cut ? text : undefined }, text));
      });
      rowBehaviour(wrap, tr, id, check, { ...options, anchor, more: () => more() }, rows);
      return tr;
    };
    const add = (count: number): boolean => {
      if (added >= frame.rows.length) return false;
      const rowsHere = document.createDocumentFragment();
      const end = Math.min(added + count, frame.rows.length);
      for (; added < end; added++) rowsHere.append(rowOf(added));
      body.append(rowsHere);
      return true;
    };
    add(first);
    if (!frame.rows.length) {
      body.append(h("tr", {}, h("td", { colSpan: columns.length + (selectable ? 2 : 1), class: "lw-muted" }, "no records")));
    }
    table.style.width = `calc(${widths.reduce((a, b) => a + b, 0)}ch + ${CELL_PX * widths.length + (selectable ? CHECK_PX : 0)}px)`;
    // another page of the same columns keeps its header (its summaries' charts not styled and laid out again)
    const key = JSON.stringify([columns, order, selectable, columns.map((c) => options.sortable(c))]);
    const same = shownHead && shownHead.key === key && (summaries ?? []).every((summary, i) => summary === shownHead!.summaries[i]);
    if (same && table.tHead === shownHead!.thead) {
      table.replaceChild(colgroup, table.querySelector("colgroup")!);
      table.replaceChild(body, table.tBodies[0]);
    } else {
      shownHead = { key, summaries: summaries ?? [], thead: header(columns, order, selectable, summaries) };
      table.replaceChildren(colgroup, shownHead.thead, body);
    }
    more = () => add(MORE_ROWS);
  }

  /** The header: the columns' names (sortable ones sort on a click, Enter or Space), then their summaries. */
  function header(columns: string[], order: string[], selectable: boolean, summaries: (Node | null)[] | null): HTMLElement {
    const head = h("tr", {}, selectable && h("th", { scope: "col", "aria-label": "Selected" }, ""), h("th", { scope: "col" }, "id"));
    for (const column of columns) {
      const sortable = options.sortable(column);
      const sort = order[0] === column ? "ascending" : order[0] === `-${column}` ? "descending" : undefined;
      const th = h("th", { scope: "col", class: sortable ? "lw-sortable" : "", "aria-sort": sort, "data-column": column, title: sortable ? `Sort by ${column}` : column }, columnLabel(column));
      if (sortable) {
        th.tabIndex = 0;
        const sortBy = () => options.onSort(nextOrder(order, column));
        th.addEventListener("click", sortBy);
        th.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            sortBy();
          }
        });
      }
      head.append(th);
    }
    const summaryRow =
      summaries &&
      h(
        "tr",
        { class: "lw-summary-row" },
        selectable && h("th", { "aria-hidden": "true" }),
        h("th", { "aria-hidden": "true" }),
        ...summaries.map((summary, i) => h("th", { class: "lw-summary-cell", "data-summary-column": columns[i] }, summary)),
      );
    return h("thead", {}, head, summaryRow);
  }

  function setSelected(selected: Set<number>) {
    liveSelected = selected;
    for (const tr of table.querySelectorAll<HTMLTableRowElement>("tbody tr[data-id]")) {
      const on = selected.has(Number(tr.dataset.id));
      tr.setAttribute("aria-selected", String(on));
      const box = tr.querySelector("input");
      if (box) box.checked = on;
    }
  }

  return { el: wrap, render, setSelected };
}
