// One record in detail: fields, related records (labels, parents), features.
import type { RpcClient } from "../rpc/client";
import { clear, h } from "../ui/dom";

export function recordDetail(client: RpcClient, onClose: () => void) {
  const el = h("section", { class: "lw-detail", hidden: true, "aria-label": "Record details" });

  function list(title: string, entries: Array<[string, string]>): HTMLElement | null {
    if (!entries.length) return null;
    const dl = h("dl");
    for (const [key, value] of entries) dl.append(h("dt", {}, key), h("dd", {}, value));
    return h("div", {}, h("h5", {}, title), dl);
  }

  async function show(registry: string, id: number | null): Promise<void> {
    if (id === null || id === undefined) {
      el.hidden = true;
      clear(el);
      return;
    }
    el.hidden = false;
    clear(el);
    el.append(h("span", { class: "lw-muted" }, "loading…"));
    try {
      const { result } = await client.latest("detail", "record", { registry, id });
      clear(el);
      const close = h("button", { type: "button", "aria-label": "Close details", onclick: onClose }, "×");
      el.append(
        h("div", { class: "lw-bar" }, h("b", { class: "lw-grow" }, `${registry} ${result.label}`), close),
        list("Fields", Object.entries(result.fields as Record<string, string | null>).map(([k, v]) => [k, v ?? "None"])) ?? "",
        list("Related", Object.entries(result.related as Record<string, string[]>).map(([k, v]) => [k, v.join(", ")])) ?? "",
        list("Features", Object.entries(result.features as Record<string, string | null>).map(([k, v]) => [k, v ?? ""])) ?? "",
      );
      close.focus();
    } catch (error) {
      clear(el);
      el.append(h("span", { class: "lw-error" }, error instanceof Error ? error.message : String(error)));
    }
  }

  return { el, show };
}
