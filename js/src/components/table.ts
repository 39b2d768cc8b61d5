// The page table: sortable headers, row selection (click, space), details (enter, double-click),
// keyboard moves between rows.
import type { Frame } from "../arrow";
import { clear, h } from "../ui/dom";
import { formatValue, nextOrder } from "../ui/format";

export interface TableOptions {
  onSort(order: string[]): void;
  onToggle(id: number): void;
  onOpen(id: number): void;
  sortable(column: string): boolean;
  selectable?: boolean; // a checkbox column (default true)
}

export function pageTable(options: TableOptions) {
  const table = h("table", { class: "lw-table", role: "grid" });
  const wrap = h("div", { class: "lw-tablewrap" }, table);

  function render(frame: Frame, order: string[], selected: Set<number>) {
    clear(table);
    const columns = frame.columns.filter((c) => c !== "id");
    const selectable = options.selectable !== false;
    const head = h("tr", {}, selectable && h("th", { scope: "col", "aria-label": "Selected" }, ""), h("th", { scope: "col" }, "id"));
    for (const column of columns) {
      const sortable = options.sortable(column);
      const sort = order[0] === column ? "ascending" : order[0] === `-${column}` ? "descending" : undefined;
      const th = h("th", { scope: "col", class: sortable ? "lw-sortable" : "", "aria-sort": sort, "data-column": column, title: sortable ? "Sort" : "" }, column);
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
    for (const row of frame.rows) {
      const id = Number(row.id);
      const isSelected = selected.has(id);
      const check = h("input", { type: "checkbox", checked: isSelected, tabIndex: -1, "aria-label": `Select ${id}` });
      const tr = h(
        "tr",
        { "aria-selected": selectable ? String(isSelected) : undefined, tabIndex: 0, "data-id": String(id) },
        selectable && h("td", {}, check),
        h("td", { class: "lw-num" }, String(id)),
      );
      for (const column of columns) {
        const text = formatValue(row[column]);
        tr.append(h("td", { class: numeric.has(column) ? "lw-num" : "", title: text.length > 40 ? text : "" }, text));
      }
      tr.addEventListener("click", (e) => {
        if ((e.target as HTMLElement) === check || e.detail < 2) options.onToggle(id);
      });
      tr.addEventListener("dblclick", () => options.onOpen(id));
      tr.addEventListener("keydown", (e) => {
        if (e.key === " ") {
          e.preventDefault();
          options.onToggle(id);
        } else if (e.key === "Enter") {
          e.preventDefault();
          options.onOpen(id);
        } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          const next = (e.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null;
          next?.focus();
        }
      });
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
