// FilterBuilder front end: the filter builder with its live count and code.
import { filterBuilder } from "../components/filter";
import type { WidgetModel } from "../store";
import { h } from "../ui/dom";
import { mount } from "../mount";

export default {
  render({ model, el }: { model: WidgetModel; el: HTMLElement }) {
    return mount(model, el, (client, store) => {
      const builder = filterBuilder({ client, store, footer: true });
      const root = h("div", { class: "lw lw-filter-builder" }, h("b", {}, `Filter ${store.get("registry")}`), builder.el);
      return { el: root, destroy: builder.destroy };
    });
  },
};
