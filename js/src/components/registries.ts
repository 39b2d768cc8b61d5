// A compact registry picker: one button naming the registry and its count; it opens a list grouped by
// module (core, bionty) with counts, empty registries folded behind one line. Arrows, Enter, Escape.
import { clear, h } from "../ui/dom";
import { icon } from "../ui/icons";

export interface RegistryInfo {
  name: string;
  module: string;
  count: number | null;
}

let pickers = 0;

export function registryPicker(onPick: (name: string) => void) {
  const listId = `lw-registries-${++pickers}`;
  const label = h("span", { class: "lw-ellipsis lw-picker-name" });
  const countBadge = h("span", { class: "lw-muted lw-picker-count" });
  const button = h(
    "button",
    { type: "button", class: "lw-registry-button", "aria-haspopup": "listbox", "aria-expanded": "false", "aria-controls": listId, title: "Choose a registry" },
    label,
    countBadge,
    icon("caret"),
  );
  const list = h("ul", { class: "lw-registry-list", role: "listbox", id: listId, "aria-label": "Registries", hidden: true, tabIndex: -1 });
  const el = h("div", { class: "lw-registry-picker" }, button, list);
  let registries: RegistryInfo[] = [];
  let current = "";
  let showEmpty = false;

  const options = () => [...list.querySelectorAll<HTMLElement>("li[role=option]")];

  function render() {
    clear(list);
    const chosen = registries.find((r) => r.name === current);
    label.textContent = current ? current.replace(/^bionty\./, "") : "registry";
    countBadge.textContent = chosen?.count !== null && chosen?.count !== undefined ? chosen.count.toLocaleString("en-US") : "";
    button.title = chosen ? `${chosen.name}: ${chosen.count ?? "?"} records. Choose another registry` : "Choose a registry";
    const modules = [...new Set(registries.map((r) => r.module))];
    let hidden = 0;
    for (const module of modules) {
      const members = registries.filter((r) => r.module === module && (showEmpty || r.count !== 0 || r.name === current));
      hidden += registries.filter((r) => r.module === module).length - members.length;
      if (!members.length) continue;
      list.append(h("li", { role: "presentation", class: "lw-group-label" }, module));
      for (const r of members) {
        const li = h(
          "li",
          { role: "option", id: `${listId}-${r.name.replace(/\W/g, "-")}`, "data-registry": r.name, "aria-selected": String(r.name === current), tabIndex: -1 },
          h("span", { class: "lw-ellipsis" }, r.name.replace(/^bionty\./, "")),
          h("span", { class: "lw-muted lw-count" }, r.count === null ? "" : r.count.toLocaleString("en-US")),
        );
        li.addEventListener("click", () => pick(r.name));
        list.append(li);
      }
    }
    if (hidden || showEmpty) {
      const toggle = h("li", { role: "presentation", class: "lw-fold" }, h("button", { type: "button", class: "lw-link-button lw-show-empty" }, showEmpty ? "hide empty registries" : `${hidden} empty registries…`));
      toggle.querySelector("button")!.addEventListener("click", () => {
        showEmpty = !showEmpty;
        render();
        focusOption(options().findIndex((o) => o.getAttribute("aria-selected") === "true"));
      });
      list.append(toggle);
    }
  }

  function focusOption(index: number) {
    const all = options();
    if (!all.length) return;
    const target = all[Math.max(0, Math.min(index, all.length - 1))];
    target.focus();
    list.setAttribute("aria-activedescendant", target.id);
  }

  function setOpen(on: boolean) {
    list.hidden = !on;
    button.setAttribute("aria-expanded", String(on));
    if (on) focusOption(Math.max(0, options().findIndex((o) => o.getAttribute("aria-selected") === "true")));
  }

  function pick(name: string) {
    setOpen(false);
    button.focus();
    if (name !== current) onPick(name);
  }

  button.addEventListener("click", () => setOpen(list.hidden));
  button.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setOpen(true);
    }
  });
  list.addEventListener("keydown", (e) => {
    const all = options();
    const index = all.indexOf(document.activeElement as HTMLElement);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      focusOption(index + (e.key === "ArrowDown" ? 1 : -1));
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      focusOption(e.key === "Home" ? 0 : all.length - 1);
    } else if (e.key === "Enter" || e.key === " ") {
      if (index >= 0) {
        e.preventDefault();
        pick(all[index].dataset.registry!);
      }
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      button.focus();
    }
  });
  el.addEventListener("focusout", (e) => {
    if (!el.contains(e.relatedTarget as Node | null) && e.relatedTarget) setOpen(false);
  });

  return {
    el,
    button,
    update(found: RegistryInfo[], name: string) {
      registries = found;
      current = name;
      render();
    },
    select(name: string) {
      current = name;
      render();
    },
  };
}
