// The list view for narrow panels (a 250 px sidebar): per record its display name (key, name or
// description) and a dim line (suffix, size, relative date, creator, version). Same behaviour as the
// table: a click opens the record; checkbox, Space or Ctrl/Shift-click select; arrows, Enter.
import type { Frame } from "../arrow";
import { h } from "../ui/dom";
import { displayName, fullDate, secondaryParts } from "../ui/format";
import { rowBehaviour } from "./table";

export interface RecordListOptions {
  onToggle(id: number): void;
  onRange?(ids: number[]): void;
  onOpen(id: number): void;
}

export function recordList(options: RecordListOptions) {
  const list = h("ul", { class: "lw-list", role: "listbox", "aria-multiselectable": "true", "aria-label": "Records" });
  const wrap = h("div", { class: "lw-listwrap" }, list);
  const anchor = { id: null as number | null };

  /** All rows at once, built off the document (one insertion); items out of view are neither laid out
   * nor painted (`content-visibility: auto` in the styles), so 500 rows cost about what 20 do. */
  function render(frame: Frame, selected: Set<number>, labelField?: string | null) {
    const items = document.createDocumentFragment();
    const rows = () => [...list.querySelectorAll<HTMLElement>("li[data-id]")];
    for (const row of frame.rows) {
      const id = Number(row.id);
      const name = displayName(row, labelField);
      const isSelected = selected.has(id);
      const check = h("input", { type: "checkbox", checked: isSelected, tabIndex: -1, "aria-label": `Select ${name}` });
      const secondary = secondaryParts(row, name);
      const li = h(
        "li",
        { role: "option", tabIndex: 0, "data-id": String(id), "aria-selected": String(isSelected), "aria-label": name },
        check,
        h(
          "div",
          { class: "lw-item" },
          h("div", { class: "lw-primary", title: name }, name),
          secondary.length ? h("div", { class: "lw-secondary", title: row.created_at ? `created ${fullDate(row.created_at)}` : undefined }, secondary.join(" · ")) : null,
        ),
      );
      rowBehaviour(wrap, li, id, check, { ...options, anchor }, rows);
      items.append(li);
    }
    if (!frame.rows.length) items.append(h("li", { class: "lw-muted lw-empty", role: "presentation" }, "no records"));
    list.replaceChildren(items);
  }

  function setSelected(selected: Set<number>) {
    for (const li of list.querySelectorAll<HTMLElement>("li[data-id]")) {
      const on = selected.has(Number(li.dataset.id));
      li.setAttribute("aria-selected", String(on));
      const box = li.querySelector("input");
      if (box) box.checked = on;
    }
  }

  return { el: wrap, render, setSelected };
}
