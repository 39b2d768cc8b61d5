// ViewPanel front end.
import { viewPanel } from "../components/view";
import type { WidgetModel } from "../store";
import { mount } from "../mount";

export default {
  render({ model, el }: { model: WidgetModel; el: HTMLElement }) {
    return mount(model, el, viewPanel);
  },
};
