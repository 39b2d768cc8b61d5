// LookupBox front end: type-ahead over a registry's names; picking one sets `value_id`.
import { picker } from "../components/picker";
import type { WidgetModel } from "../store";
import { mount } from "../mount";

export default {
  render({ model, el }: { model: WidgetModel; el: HTMLElement }) {
    return mount(model, el, (client, store) => {
      const box = picker({
        placeholder: store.get("placeholder") || `${store.get("registry")}.${store.get("field")}…`,
        label: `Look up ${store.get("registry")}`,
        async fetch(text) {
          const { result } = await client.latest("lookup", "lookup", {
            registry: store.get("registry"),
            field: store.get("field") || null,
            prefix: text,
            limit: 20,
          });
          return result.results.map((r: any) => ({ id: r.id, label: String(r.value), detail: r.uid ?? "" }));
        },
        onText: (text) => store.set({ text }),
        onPick(item) {
          store.set({ value_id: item.id, text: item.label });
          store.send?.({ kind: "lamin-event", event: "submit", id: item.id });
        },
      });
      box.setText(store.get("text") ?? "");
      box.input.addEventListener("focus", () => {
        if (!box.input.value) box.input.dispatchEvent(new Event("input"));
      });
      return { el: box.el, destroy() {} }; // pending requests end with the client (mount)
    });
  },
};
