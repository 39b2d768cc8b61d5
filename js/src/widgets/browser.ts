// RegistryBrowser front end.
import { registryBrowser } from "../components/browser";
import type { WidgetModel } from "../store";
import { mount } from "../mount";

export default {
  render({ model, el }: { model: WidgetModel; el: HTMLElement }) {
    return mount(model, el, registryBrowser);
  },
};
