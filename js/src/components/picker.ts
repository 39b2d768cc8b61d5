// A type-ahead list under an input: results as you type, the matched part highlighted, up/down/enter/escape.
// Used by the search box (ranked search) and the lookup box (names). Each keystroke asks at once, and the
// newer request cancels the older (`fetch` uses the client's latest-wins slot): no pause to wait out, and
// typing faster than the answers come costs cancelled requests, not stale results.
import { highlightParts } from "../highlight";
import { isAbort } from "../rpc/types";
import { clear, h } from "../ui/dom";
import { errorBar } from "./status";

export interface PickerItem {
  id: number;
  label: string;
  detail?: string;
}

export interface PickerOptions {
  placeholder: string;
  label: string;
  fetch(text: string): Promise<PickerItem[]>;
  onText(text: string): void;
  onPick(item: PickerItem): void;
}

let pickers = 0;

export function picker(options: PickerOptions) {
  const listId = `lw-picker-${++pickers}`;
  const input = h("input", {
    type: "search",
    class: "lw-grow lw-picker-input",
    placeholder: options.placeholder,
    "aria-label": options.label,
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
    autocomplete: "off",
  });
  const status = h("span", { class: "lw-muted lw-picker-status", "aria-live": "polite" });
  const list = h("ul", { class: "lw-results", id: listId, role: "listbox", hidden: true });
  const errors = errorBar();
  const picked = h("div", { class: "lw-picked lw-muted" });
  const el = h("div", { class: "lw lw-picker" }, h("div", { class: "lw-bar" }, input, status), list, errors.el, picked);

  let items: PickerItem[] = [];
  let active = -1;
  let query = "";

  function open(on: boolean) {
    list.hidden = !on;
    input.setAttribute("aria-expanded", String(on));
  }

  function setActive(index: number) {
    active = items.length ? (index + items.length) % items.length : -1;
    list.querySelectorAll("li").forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    const li = list.children[active] as HTMLElement | undefined;
    if (li) {
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView?.({ block: "nearest" });
    }
  }

  function render() {
    clear(list);
    items.forEach((item, i) => {
      const label = h("span", { class: "lw-label" });
      for (const part of highlightParts(item.label, query)) label.append(part.match ? h("mark", {}, part.text) : part.text);
      const li = h("li", { id: `${listId}-${i}`, role: "option", "aria-selected": "false" }, label);
      if (item.detail) li.append(h("span", { class: "lw-muted" }, item.detail));
      li.addEventListener("mousedown", (e) => e.preventDefault());
      li.addEventListener("click", () => pick(i));
      list.append(li);
    });
    open(items.length > 0);
    setActive(items.length ? 0 : -1);
  }

  function pick(index: number) {
    const item = items[index];
    if (!item) return;
    open(false);
    picked.textContent = `picked: ${item.label}`;
    options.onPick(item);
  }

  let latest = 0; // the run whose answer is shown: an older one answering late is dropped

  async function run() {
    const mine = ++latest;
    query = input.value;
    // the request goes out before the text's sync to the model: the kernel answers it first
    const fetched = options.fetch(query);
    options.onText(query);
    status.textContent = "…";
    try {
      const found = await fetched;
      if (mine !== latest) return;
      items = found;
      status.textContent = query.trim() ? `${items.length} result${items.length === 1 ? "" : "s"}` : "";
      errors.clear();
      render();
      el.dataset.results = String(Number(el.dataset.results ?? 0) + 1);
    } catch (error) {
      if (mine === latest && !isAbort(error)) {
        status.textContent = "";
        errors.show(error);
      }
    }
  }

  input.addEventListener("input", run);
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (list.hidden && items.length) open(true);
      setActive(active + 1);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive(active - 1);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (active >= 0) pick(active);
    } else if (e.key === "Escape") {
      if (!list.hidden) open(false);
      else {
        input.value = "";
        run();
      }
    }
  });
  input.addEventListener("blur", () => setTimeout(() => open(false), 150));
  input.addEventListener("focus", () => items.length && open(true));

  return {
    el,
    input,
    setText(text: string) {
      if (input.value !== text) {
        input.value = text;
        run();
      }
    },
    setPicked(text: string) {
      picked.textContent = text ? `picked: ${text}` : "";
    },
  };
}
