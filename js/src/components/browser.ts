// The registry browser: registry picker (with counts), search, filter builder, column chooser, a paged
// sortable table with selection, record details and the equivalent Python. State lives in a Store (the
// widget's traits, or memory), rows come page by page from Python.
import { decodeFrame } from "../arrow";
import type { RpcClient } from "../rpc/client";
import type { Store } from "../store";
import { clear, h, option } from "../ui/dom";
import { debounce, pageCount, plural } from "../ui/format";
import { recordDetail } from "./detail";
import { fieldMap, filterBuilder, type Schema } from "./filter";
import { errorBar } from "./status";
import { pageTable } from "./table";
import { countConditions } from "../spec";

export const PAGE_SIZES = [20, 50, 100, 500];

export function registryBrowser(client: RpcClient, store: Store) {
  const el = h("div", { class: "lw lw-browser" });
  const errors = errorBar();
  const registrySelect = h("select", { "aria-label": "Registry", class: "lw-registry" });
  const search = h("input", { type: "search", class: "lw-search lw-grow", placeholder: "search…", "aria-label": "Search" });
  const filterToggle = h("button", { type: "button", class: "lw-filter-toggle", "aria-expanded": "false" }, "Filters");
  const columnsButton = h("button", { type: "button", class: "lw-columns-toggle", "aria-expanded": "false", "aria-haspopup": "true" }, "Columns");
  const columnsMenu = h("div", { hidden: true, role: "menu" });
  const total = h("span", { class: "lw-muted lw-total", "aria-live": "polite" });
  const filters = filterBuilder({ client, store, footer: false });
  filters.el.hidden = true;
  const table = pageTable({
    sortable: (column) => sortable.has(column),
    onSort: (order) => store.set({ order, page: 0 }),
    onToggle: (id) => {
      const selected = new Set<number>(store.get("selected_ids") ?? []);
      if (selected.has(id)) selected.delete(id);
      else selected.add(id);
      store.set({ selected_ids: [...selected] });
    },
    onOpen: (id) => store.set({ detail_id: id }),
  });
  const detail = recordDetail(client, () => store.set({ detail_id: null }));
  const first = h("button", { type: "button", "aria-label": "First page", class: "lw-first" }, "«");
  const prev = h("button", { type: "button", "aria-label": "Previous page", class: "lw-prev" }, "‹");
  const next = h("button", { type: "button", "aria-label": "Next page", class: "lw-next" }, "›");
  const last = h("button", { type: "button", "aria-label": "Last page", class: "lw-last" }, "»");
  const pageInfo = h("span", { class: "lw-pageinfo" });
  const sizeSelect = h("select", { "aria-label": "Rows per page", class: "lw-pagesize" });
  const selectedInfo = h("span", { class: "lw-muted lw-selected" });
  const code = h("pre", { class: "lw-code lw-browser-code" });
  const copy = h("button", { type: "button", title: "Copy code" }, "Copy");
  const timing = h("span", { class: "lw-muted lw-timing" });

  el.append(
    h("div", { class: "lw-bar" }, registrySelect, search, filterToggle, h("span", { class: "lw-menu" }, columnsButton, columnsMenu), total),
    filters.el,
    errors.el,
    table.el,
    h("div", { class: "lw-bar" }, first, prev, pageInfo, next, last, sizeSelect, selectedInfo, timing),
    detail.el,
    h("div", { class: "lw-bar" }, code, copy),
  );

  let schema: Schema | null = null;
  let sortable = new Set<string>();
  let count = 0;

  // -- registry picker ------------------------------------------------------------------------------------
  async function loadRegistries() {
    registrySelect.hidden = store.get("show_registries") === false;
    try {
      const { result } = await client.call("list_registries", {});
      clear(registrySelect);
      let module = "";
      let group: HTMLElement = registrySelect;
      for (const r of result.registries) {
        if (r.module !== module) {
          module = r.module;
          group = h("optgroup", { label: module });
          registrySelect.append(group);
        }
        group.append(option(r.name, `${r.name} (${r.count})`, r.name === store.get("registry")));
      }
    } catch (error) {
      errors.show(error);
    }
  }
  registrySelect.addEventListener("change", () => store.set({ registry: registrySelect.value }));

  // -- search ---------------------------------------------------------------------------------------------
  const setSearch = debounce(() => store.set({ search: search.value }), 200);
  search.addEventListener("input", setSearch);
  search.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      search.value = "";
      setSearch.cancel();
      store.set({ search: "" });
    } else if (e.key === "Enter") {
      setSearch.cancel();
      store.set({ search: search.value });
    }
  });

  // -- filters and columns --------------------------------------------------------------------------------
  filterToggle.addEventListener("click", () => {
    filters.el.hidden = !filters.el.hidden;
    filterToggle.setAttribute("aria-expanded", String(!filters.el.hidden));
  });
  const showFilterCount = () => {
    const n = countConditions(store.get("filters") ?? { items: [] });
    filterToggle.textContent = n ? `Filters (${n})` : "Filters";
  };
  columnsButton.addEventListener("click", () => {
    columnsMenu.hidden = !columnsMenu.hidden;
    columnsButton.setAttribute("aria-expanded", String(!columnsMenu.hidden));
    if (!columnsMenu.hidden) renderColumnsMenu();
  });
  columnsMenu.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      columnsMenu.hidden = true;
      columnsButton.setAttribute("aria-expanded", "false");
      columnsButton.focus();
    }
  });

  function shownColumns(): string[] {
    const chosen: string[] = store.get("columns") ?? [];
    return chosen.length ? chosen : schema?.columns ?? [];
  }

  function renderColumnsMenu() {
    clear(columnsMenu);
    if (!schema) return;
    const columns = new Set(shownColumns());
    const features = new Set<string>(store.get("features") ?? []);
    const box = (label: string, checked: boolean, toggle: (on: boolean) => void) => {
      const input = h("input", { type: "checkbox", checked });
      input.addEventListener("change", () => toggle(input.checked));
      return h("label", {}, input, ` ${label}`);
    };
    const setColumn = (name: string, on: boolean) => {
      const current = shownColumns().filter((c) => c !== name);
      store.set({ columns: on ? [...current, name] : current, page: store.get("page") });
    };
    columnsMenu.append(h("h5", {}, "Fields"));
    for (const c of schema.columns) columnsMenu.append(box(c, columns.has(c), (on) => setColumn(c, on)));
    const relations = schema.relations.filter((r) => r.label_field);
    if (relations.length) columnsMenu.append(h("h5", {}, "Related"));
    for (const r of relations) {
      const path = `${r.name}__${r.label_field}`;
      columnsMenu.append(box(`${r.name}.${r.label_field}`, columns.has(path), (on) => setColumn(path, on)));
    }
    const usable = schema.features.filter((f) => f.kind !== "dict" || true);
    if (usable.length) columnsMenu.append(h("h5", {}, "Features"));
    for (const f of usable) {
      columnsMenu.append(
        box(f.path, features.has(f.path), (on) => {
          const rest = [...features].filter((n) => n !== f.path);
          store.set({ features: on ? [...rest, f.path] : rest });
          features.clear();
          for (const n of store.get("features")) features.add(n);
        }),
      );
    }
    columnsMenu.append(h("button", { type: "button", onclick: () => store.set({ columns: [], features: [] }) }, "Reset columns"));
  }

  // -- paging ---------------------------------------------------------------------------------------------
  for (const size of PAGE_SIZES) sizeSelect.append(option(String(size), `${size} / page`));
  sizeSelect.addEventListener("change", () => store.set({ page_size: Number(sizeSelect.value), page: 0 }));
  const goto = (page: number) => store.set({ page: Math.max(0, Math.min(page, pageCount(count, store.get("page_size")) - 1)) });
  first.addEventListener("click", () => goto(0));
  prev.addEventListener("click", () => goto(store.get("page") - 1));
  next.addEventListener("click", () => goto(store.get("page") + 1));
  last.addEventListener("click", () => goto(pageCount(count, store.get("page_size")) - 1));
  copy.addEventListener("click", () => navigator.clipboard?.writeText(code.textContent ?? ""));

  function queryParams() {
    return {
      registry: store.get("registry"),
      filters: store.get("filters"),
      search: store.get("search"),
      order: store.get("order"),
    };
  }

  function updatePager() {
    const page = store.get("page");
    const size = store.get("page_size");
    const pages = pageCount(count, size);
    pageInfo.textContent = `page ${Math.min(page + 1, pages)} of ${pages}`;
    first.disabled = prev.disabled = page <= 0;
    next.disabled = last.disabled = page >= pages - 1;
    if (!PAGE_SIZES.includes(size)) sizeSelect.append(option(String(size), `${size} / page`));
    sizeSelect.value = String(size);
    const selected: number[] = store.get("selected_ids") ?? [];
    selectedInfo.textContent = selected.length ? `${selected.length} selected` : "";
  }

  async function loadPage() {
    if (!schema) return;
    const size = store.get("page_size");
    const chosen: string[] = store.get("columns") ?? [];
    el.setAttribute("aria-busy", "true");
    try {
      const reply = await client.latest("page", "page", {
        ...queryParams(),
        offset: store.get("page") * size,
        limit: size,
        columns: chosen.length ? chosen : null,
        features: store.get("features") ?? [],
      });
      const frame = decodeFrame(reply.buffers[0]);
      table.render(frame, store.get("order") ?? [], new Set(store.get("selected_ids") ?? []));
      timing.textContent = `${reply.result.ms} ms`;
      errors.clear();
      el.dataset.loaded = String(Number(el.dataset.loaded ?? 0) + 1);
    } catch (error) {
      errors.show(error);
    } finally {
      el.removeAttribute("aria-busy");
      updatePager();
    }
  }

  async function loadCount() {
    total.textContent = "";
    total.classList.add("lw-busy");
    try {
      const [counted, generated] = await Promise.all([
        client.latest("count", "count", queryParams()),
        client.latest("code", "codegen", queryParams()),
      ]);
      count = counted.result.count;
      total.textContent = plural(count, "record");
      code.textContent = generated.result.code;
    } catch (error) {
      errors.show(error);
    } finally {
      total.classList.remove("lw-busy");
      updatePager();
    }
  }

  async function loadRegistry() {
    schema = null;
    sortable = new Set();
    search.value = store.get("search") ?? "";
    try {
      const registry = store.get("registry");
      const loaded: Schema = await client.schema(registry);
      if (registry !== store.get("registry")) return;
      schema = loaded;
      const fields = fieldMap(loaded);
      sortable = new Set([...fields.values()].filter((f) => !f.to_many && !f.is_feature && f.kind !== "json").map((f) => f.path));
      registrySelect.value = registry;
      columnsMenu.hidden = true;
      await Promise.all([loadPage(), loadCount()]);
      detail.show(registry, store.get("detail_id"));
    } catch (error) {
      errors.show(error);
    }
  }

  // a new query starts on page 1 (the widget's Python side does the same; a memory store needs it here)
  const firstPage = () => {
    if (store.get("page") !== 0) store.set({ page: 0 });
  };
  const offs = [
    store.on("registry", () => loadRegistry()),
    store.on("filters", () => {
      showFilterCount();
      firstPage();
      loadCount();
      loadPage();
    }),
    store.on("search", () => {
      if (search.value !== store.get("search")) search.value = store.get("search");
      firstPage();
      loadCount();
      loadPage();
    }),
    store.on("order", () => {
      firstPage();
      loadCount();
      loadPage();
    }),
    store.on("page", loadPage),
    store.on("page_size", loadPage),
    store.on("columns", loadPage),
    store.on("features", loadPage),
    store.on("selected_ids", () => {
      table.setSelected(new Set(store.get("selected_ids") ?? []));
      updatePager();
    }),
    store.on("detail_id", () => detail.show(store.get("registry"), store.get("detail_id"))),
  ];
  showFilterCount();
  loadRegistries();
  loadRegistry();

  return {
    el,
    destroy() {
      setSearch.cancel();
      filters.destroy();
      offs.forEach((off) => off());
    },
  };
}
