// The flattened ln.view(): per module, every non-empty registry with its count and latest rows; a click on a
// registry opens it in a browser inside the panel. Its tables show the columns a browser shows by default (no
// private columns, no ids of related records, the creator by handle).
import { decodeFrame } from "../arrow";
import type { RpcClient } from "../rpc/client";
import { memoryStore, type Store } from "../store";
import { emptyGroup } from "../spec";
import { clear, h } from "../ui/dom";
import { plural } from "../ui/format";
import { defaultColumns, registryBrowser } from "./browser";
import { errorBar } from "./status";
import { pageTable } from "./table";

export function viewPanel(client: RpcClient, store: Store) {
  const el = h("div", { class: "lw lw-view" });
  const errors = errorBar();
  const body = h("div");
  el.append(errors.el, body);
  let browser: ReturnType<typeof registryBrowser> | null = null;

  function openBrowser(registry: string) {
    browser?.destroy();
    clear(body);
    const local = memoryStore({
      registry,
      filters: emptyGroup(),
      search: "",
      order: [],
      page: 0,
      page_size: 20,
      columns: [],
      features: [],
      selected_ids: [],
      detail_id: null,
      show_registries: false,
    });
    browser = registryBrowser(client, local);
    const back = h("button", { type: "button", class: "lw-back", onclick: () => store.set({ registry: "" }) }, "← all registries");
    body.append(h("div", { class: "lw-bar" }, back, h("b", {}, registry)), browser.el);
    back.focus();
  }

  async function showView() {
    browser?.destroy();
    browser = null;
    clear(body);
    body.append(h("span", { class: "lw-muted" }, "loading…"));
    try {
      const modules = store.get("modules");
      const reply = await client.latest("view", "view", { limit: store.get("limit"), modules: modules?.length ? modules : null });
      clear(body);
      for (const module of reply.result.modules) {
        body.append(h("h4", {}, `module: ${module.module}`));
        for (const registry of module.registries) {
          const name = h("button", { type: "button", class: "lw-regname", title: `Open ${registry.name}`, onclick: () => store.set({ registry: registry.name }) }, registry.name);
          const open = () => store.set({ registry: registry.name });
          const table = pageTable({ selectable: false, sortable: () => false, onSort: () => {}, onToggle: () => {}, onOpen: open });
          const frame = decodeFrame(reply.buffers[registry.buffer]);
          table.render(frame, [], new Set(), [...new Set(defaultColumns(frame.columns, registry.relations ?? []))]);
          body.append(h("div", { class: "lw-bar" }, name, h("span", { class: "lw-muted" }, plural(registry.count, "record"))), table.el);
        }
      }
      if (!reply.result.modules.length) body.append(h("span", { class: "lw-muted" }, "no records yet"));
      errors.clear();
    } catch (error) {
      clear(body);
      errors.show(error);
    }
  }

  const render = () => (store.get("registry") ? openBrowser(store.get("registry")) : showView());
  const offs = [store.on("registry", render), store.on("limit", render), store.on("modules", render)];
  render();
  return {
    el,
    destroy() {
      browser?.destroy();
      offs.forEach((off) => off());
    },
  };
}
