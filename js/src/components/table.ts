// The page table: sortable headers; a click on a row opens its record, selection is by the row's checkbox,
// Space, or Ctrl/Shift-click; arrows move between rows, Enter opens. Private columns (`_aux`) are shown
// only when asked for by name.
import type { Frame } from "../arrow";
import { clear, h } from "../ui/dom";
import { formatValue, isPrivate, nextOrder } from "../ui/format";

export interface TableOptions {
  onSort(order: string[]): void;
  onToggle(id: number): void;
  /** Shift-click: select every row from the last toggled one to this one. */
  onRange?(ids: number[]): void;
  onOpen(id: number): void;
  sortable(column: string): boolean;
  selectable?: boolean; // a checkbox column (default true)
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
  options: { onToggle(id: number): void; onOpen(id: number): void; onRange?(ids: number[]): void; anchor: { id: number | null } },
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
      moveTo(all[index + (e.key === "ArrowDown" ? 1 : -1)]);
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      moveTo(e.key === "Home" ? all[0] : all[all.length - 1]);
    }
  });
}

export function pageTable(options: TableOptions) {
  const table = h("table", { class: "lw-table", role: "grid", "aria-multiselectable": options.selectable !== false ? "true" : undefined });
  const wrap = h("div", { class: "lw-tablewrap" }, table);
  const anchor = { id: null as number | null };

  /** `shown`: the columns to show, in order (default: every column of the frame but private ones). */
  function render(frame: Frame, order: string[], selected: Set<number>, shown?: string[]) {
    clear(table);
    const present = new Set(frame.columns);
    const columns = (shown ?? frame.columns.filter((c) => !isPrivate(c))).filter((c) => c !== "id" && present.has(c));
    const selectable = options.selectable !== false;
    const head = h("tr", {}, selectable && h("th", { scope: "col", "aria-label": "Selected" }, ""), h("th", { scope: "col" }, "id"));
    for (const column of columns) {
      const sortable = options.sortable(column);
      const sort = order[0] === column ? "ascending" : order[0] === `-${column}` ? "descending" : undefined;
      const th = h("th", { scope: "col", class: sortable ? "lw-sortable" : "", "aria-sort": sort, "data-column": column, title: sortable ? `Sort by ${column}` : column }, column);
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
    const body = h("tbody");
    const numeric = new Set(frame.columns.filter((_, i) => frame.types[i] === "number"));
    const rows = () => [...body.querySelectorAll<HTMLElement>("tr[data-id]")];
    for (const row of frame.rows) {
      const id = Number(row.id);
      const isSelected = selected.has(id);
      const check = selectable ? h("input", { type: "checkbox", checked: isSelected, tabIndex: -1, "aria-label": `Select ${id}` }) : null;
      const tr = h(
        "tr",
        { "aria-selected": selectable ? String(isSelected) : undefined, tabIndex: 0, "data-id": String(id), title: "Open the record (Enter); select with Space" },
        check && h("td", { class: "lw-check" }, check),
        h("td", { class: "lw-num" }, String(id)),
      );
      for (const column of columns) {
        const text = formatValue(row[column]);
        tr.append(h("td", { class: numeric.has(column) ? "lw-num" : "", title: text.length > 40 ? text : undefined }, text));
      }
      rowBehaviour(wrap, tr, id, check, { ...options, anchor }, rows);
      body.append(tr);
    }
    if (!frame.rows.length) {
      body.append(h("tr", {}, h("td", { colSpan: columns.length + (selectable ? 2 : 1), class: "lw-muted" }, "no records")));
    }
    table.append(h("thead", {}, head), body);
  }

  function setSelected(selected: Set<number>) {
    for (const tr of table.querySelectorAll<HTMLTableRowElement>("tbody tr[data-id]")) {
      const on = selected.has(Number(tr.dataset.id));
      tr.setAttribute("aria-selected", String(on));
      const box = tr.querySelector("input");
      if (box) box.checked = on;
    }
  }

  return { el: wrap, render, setSelected };
}
