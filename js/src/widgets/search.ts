// SearchBox front end: ranked results as you type; picking one sets `value_id` and calls on_submit.
import { picker } from "../components/picker";
import type { WidgetModel } from "../store";
import { mount } from "../mount";

export default {
  render({ model, el }: { model: WidgetModel; el: HTMLElement }) {
    return mount(model, el, (client, store) => {
      const registry = () => store.get("registry");
      const box = picker({
        placeholder: store.get("placeholder") || `search ${registry()}…`,
        label: `Search ${registry()}`,
        async fetch(text) {
          if (!text.trim()) return [];
          const { result } = await client.latest("search", "search", { registry: registry(), string: text, limit: store.get("limit") });
          return result.results.map((r: any) => {
            const other = Object.entries(r.fields as Record<string, string>).find(([k]) => k !== result.label_field);
            return { id: r.id, label: r.label || r.uid, detail: other ? `${other[0]}: ${other[1]}`.slice(0, 80) : r.uid };
          });
        },
        onText: (text) => store.set({ text }),
        onPick(item) {
          store.set({ value_id: item.id });
          store.send?.({ kind: "lamin-event", event: "submit", id: item.id });
        },
      });
      box.setText(store.get("text") ?? "");
      const off = store.on("text", () => box.setText(store.get("text") ?? ""));
      return {
        el: box.el,
        destroy: off,
      };
    });
  },
};
