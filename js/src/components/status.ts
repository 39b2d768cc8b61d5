// An error line shown in the widget (errors are shown, never swallowed); dismissable.
import { isAbort } from "../rpc/types";
import { h } from "../ui/dom";

export interface ErrorBar {
  el: HTMLElement;
  show(error: unknown): void;
  clear(): void;
}

export function errorBar(): ErrorBar {
  const text = h("span");
  const el = h("div", { class: "lw-error", role: "alert", hidden: true }, text);
  const close = h("button", { type: "button", title: "Dismiss", "aria-label": "Dismiss error", onclick: () => bar.clear() }, "×");
  el.append(close);
  const bar: ErrorBar = {
    el,
    show(error: unknown) {
      if (isAbort(error)) return; // superseded requests are not errors
      text.textContent = error instanceof Error ? error.message : String(error);
      el.hidden = false;
    },
    clear() {
      text.textContent = "";
      el.hidden = true;
    },
  };
  return bar;
}
