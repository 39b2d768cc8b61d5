// The registry browser: registry picker (with counts), search, filter builder, column chooser, a paged
// sortable table (or, below 400 px of width, a list of display names) with selection, record pages and the
// equivalent Python. State lives in a Store (the widget's traits, or memory), rows come page by page from
// Python; counts come separately (no page waits for one).
import { decodeFrame } from "../arrow";
import type { RpcClient } from "../rpc/client";
import type { Store } from "../store";
import { clear, h, option } from "../ui/dom";
import { countText, debounce, isPrivate, NAME_FIELDS, pageCount, SECONDARY_FIELDS } from "../ui/format";
import { icon, type IconLike } from "../ui/icons";
import { recordDetail } from "./detail";
import { fieldMap, filterBuilder, type Schema } from "./filter";
import { errorBar } from "./status";
import { pageTable } from "./table";
import { recordList } from "./recordlist";
import { columnSummaries } from "./summaries";
import { countConditions } from "../spec";

export const PAGE_SIZES = [20, 50, 100, 500];
const SUMMARIES_AFTER_PAGES_MS = 1000; // summaries stopped by paging start again after this quiet time
/** Below this panel width the browser shows a list of records; from it on, the table. */
export const LIST_BELOW_PX = 400;

/** The pause in typing after which the browser's search runs: it asks for a page, the count, the code and
 * the summaries (the search box, which asks for one ranked list, asks at each keystroke). */
export const SEARCH_DELAY_MS = 60;

export type ViewMode = "auto" | "list" | "table";

export interface BrowserOptions {
  /** A list/table toggle in the browser's own bar (the sidebar has one in its toolbar). */
  viewToggle?: boolean;
  icons?: Partial<Record<"list" | "table", IconLike>>;
  /** Column summaries under the table's headers (default true). */
  summaries?: boolean;
}

/**
 * The columns a table shows by default: the registry's df() columns but LaminDB's private ones and the
 * ids of related records (`storage_id`, `run_id`: numbers nobody reads; under Columns), the creator by
 * handle (`created_by__handle`) in place of `created_by_id`. `relations`: the schema's, whose to-one
 * names give the id columns.
 */
export function defaultColumns(columns: string[], relations: { name: string; to_many: boolean }[] = []): string[] {
  const toOne = new Set(relations.filter((r) => !r.to_many).map((r) => `${r.name}_id`));
  return columns.filter((c) => !isPrivate(c)).flatMap((c) => (c === "created_by_id" && toOne.has(c) ? ["created_by__handle"] : toOne.has(c) ? [] : [c]));
}

/** What a narrow table shows first, where the registry has them: after the record's name, what a list row's
 * dim line says (suffix, size, date, creator, version). */
export const LEADING_COLUMNS = ["suffix", "size", "created_at", "created_by__handle", "version"];

/** `columns` reordered: the record's name first (at a sidebar's width it is the column people read), then
 * LEADING_COLUMNS; uids, hashes and the rest after. */
export function leadingColumns(columns: string[], labelField?: string | null): string[] {
  const first = [labelField, ...LEADING_COLUMNS].filter((c): c is string => !!c && columns.includes(c));
  return [...new Set([...first, ...columns])];
}

export function registryBrowser(client: RpcClient, store: Store, options: BrowserOptions = {}) {
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
  const selection = {
    onToggle: (id: number) => {
      const selected = new Set<number>(store.get("selected_ids") ?? []);
      if (selected.has(id)) selected.delete(id);
      else selected.add(id);
      store.set({ selected_ids: [...selected] });
    },
    onRange: (ids: number[]) => store.set({ selected_ids: [...new Set([...(store.get("selected_ids") ?? []), ...ids])] }),
    onOpen: (id: number) => store.set({ detail_id: id }),
  };
  const summaries = options.summaries === false ? null : columnSummaries(client, store);
  const table = pageTable({
    sortable: (column) => sortable.has(column),
    onSort: (order) => store.set({ order, page: 0 }),
    summary: summaries ? (column) => (summarized.has(column) ? summaries.cell(column) : null) : undefined,
    ...selection,
  });
  const list = recordList(selection);
  const detail = recordDetail(client, () => {
    const id = store.get("detail_id");
    store.set({ detail_id: null });
    // back on the list: the row whose record was open has the focus again
    (results.querySelector(`[data-id="${id}"]`) as HTMLElement | null)?.focus({ preventScroll: true });
  });
  const first = h("button", { type: "button", "aria-label": "First page", class: "lw-first" }, "«");
  const prev = h("button", { type: "button", "aria-label": "Previous page", class: "lw-prev" }, "‹");
  const next = h("button", { type: "button", "aria-label": "Next page", class: "lw-next" }, "›");
  const last = h("button", { type: "button", "aria-label": "Last page", class: "lw-last" }, "»");
  const pageInfo = h("span", { class: "lw-pageinfo" });
  const sizeSelect = h("select", { "aria-label": "Rows per page", class: "lw-pagesize" });
  const selectedInfo = h("span", { class: "lw-muted lw-selected" });
  const code = h("pre", { class: "lw-code lw-browser-code" });
  const copy = h("button", { type: "button", title: "Copy code" }, "Copy");
  const viewButton = h("button", { type: "button", class: "lw-icon-button lw-view-toggle", "aria-pressed": "false" });
  const results = h("div", { class: "lw-results-area" }, table.el, list.el);
  const pager = h("div", { class: "lw-bar lw-pager" }, first, prev, pageInfo, next, last, sizeSelect, selectedInfo);

  el.append(
    h("div", { class: "lw-bar" }, registrySelect, search, filterToggle, h("span", { class: "lw-menu" }, columnsButton, columnsMenu), options.viewToggle !== false && viewButton, total),
    filters.el,
    errors.el,
    results,
    pager,
    detail.el,
    h("div", { class: "lw-bar lw-codebar" }, code, copy),
  );

  let schema: Schema | null = null;
  let sortable = new Set<string>();
  let summarized = new Set<string>(); // fields and relation paths: not features, not JSON
  let summariesStale = true;
  let summariesLoading = false;
  let summariesLater: ReturnType<typeof setTimeout> | undefined;
  let count = 0;
  let frame: ReturnType<typeof decodeFrame> | null = null;
  let mode: ViewMode = "auto";
  let width = 0;
  const viewListeners = new Set<(list: boolean) => void>();

  // -- list or table --------------------------------------------------------------------------------------
  /** The list below LIST_BELOW_PX of width (a width of 0: not laid out, as in tests: the table). */
  function showsList(): boolean {
    return mode === "list" || (mode === "auto" && width > 0 && width < LIST_BELOW_PX);
  }

  function applyView() {
    const asList = showsList();
    table.el.hidden = asList;
    list.el.hidden = !asList;
    el.dataset.view = asList ? "list" : "table";
    const next = asList ? "table" : "list";
    viewButton.replaceChildren(icon(next, options.icons?.[next]));
    viewButton.title = asList ? "Show a table" : "Show a list";
    viewButton.setAttribute("aria-label", viewButton.title);
    viewButton.setAttribute("aria-pressed", String(asList));
    renderRows();
    if (!asList && summariesStale) loadSummaries();
    for (const listener of viewListeners) listener(asList);
  }

  function setView(next: ViewMode) {
    mode = next;
    applyView();
  }
  viewButton.addEventListener("click", () => setView(showsList() ? "table" : "list"));
  const resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver((entries) => {
    const next = Math.round(entries[0].contentRect.width);
    const before = showsList();
    width = next;
    if (showsList() !== before) applyView();
  });
  resize?.observe(el);

  // -- registry picker ------------------------------------------------------------------------------------
  async function loadRegistries() {
    registrySelect.hidden = store.get("show_registries") === false;
    if (registrySelect.hidden) return; // the sidebar has its own picker: no second count of every registry
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
  const setSearch = debounce(() => store.set({ search: search.value }), SEARCH_DELAY_MS);
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
    if (chosen.length) return chosen;
    return leadingColumns(defaultColumns(schema?.columns ?? [], schema?.relations ?? []), schema?.label_field);
  }

  /** What a page asks for: the table's columns and the fields of the list's name and dim line. */
  function requestedColumns(): string[] {
    const known = new Set(schema?.columns ?? []);
    const extra = [schema?.label_field, ...NAME_FIELDS, ...SECONDARY_FIELDS].filter((c): c is string => !!c && known.has(c));
    if (schema?.relations.some((r) => r.name === "created_by" && !r.to_many)) extra.push("created_by__handle");
    return [...new Set([...shownColumns(), ...extra])];
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
    for (const c of schema.columns.filter((c) => !isPrivate(c))) columnsMenu.append(box(c, columns.has(c), (on) => setColumn(c, on)));
    const hidden = schema.columns.filter(isPrivate);
    if (hidden.length) columnsMenu.append(h("h5", { title: "LaminDB's own columns, hidden by default" }, "Private fields"));
    for (const c of hidden) columnsMenu.append(box(c, columns.has(c), (on) => setColumn(c, on)));
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
    pageInfo.setAttribute("aria-live", "polite");
    first.disabled = prev.disabled = page <= 0;
    next.disabled = last.disabled = page >= pages - 1;
    if (!PAGE_SIZES.includes(size)) sizeSelect.append(option(String(size), `${size} / page`));
    sizeSelect.value = String(size);
    const selected: number[] = store.get("selected_ids") ?? [];
    selectedInfo.textContent = selected.length ? `${selected.length} selected` : "";
  }

  function renderRows() {
    if (!frame) return;
    const selected = new Set<number>(store.get("selected_ids") ?? []);
    if (showsList()) list.render(frame, selected, schema?.label_field);
    else table.render(frame, store.get("order") ?? [], selected, [...shownColumns(), ...(store.get("features") ?? [])]);
  }

  async function loadPage() {
    if (!schema) return;
    const size = store.get("page_size");
    el.setAttribute("aria-busy", "true");
    try {
      const started = performance.now();
      const reply = await client.latest("page", "page", {
        ...queryParams(),
        offset: store.get("page") * size,
        limit: size,
        columns: requestedColumns(),
        features: store.get("features") ?? [],
      });
      frame = decodeFrame(reply.buffers[0]);
      renderRows();
      // timings only in a tooltip, for whoever debugs a slow page
      pageInfo.title = `page: ${reply.result.ms} ms in the database, ${Math.round(performance.now() - started)} ms in all`;
      errors.clear();
      el.dataset.loaded = String(Number(el.dataset.loaded ?? 0) + 1);
    } catch (error) {
      errors.show(error);
    } finally {
      el.removeAttribute("aria-busy");
      updatePager();
    }
  }

  /** The count, then (for a search with more matches than its limit) the exact number of matches. */
  /** The summaries of the table's columns, after the page (the list view has none: loaded when the table
   * is shown). */
  function loadSummaries() {
    summariesStale = true;
    if (!summaries || !schema || showsList()) return;
    summariesStale = false;
    summariesLoading = true;
    summaries.refresh(shownColumns().filter((c) => summarized.has(c))).then((latest) => {
      if (!latest) return;
      summariesLoading = false;
      el.dataset.summarized = String(Number(el.dataset.summarized ?? 0) + 1); // for tests
    });
  }

  /** Another page of the same query: summaries still loading stop (a large registry's take seconds of the
   * kernel's or server's time, which the page would wait for) and start again once no page has been asked
   * for a second. */
  function changePage() {
    if (!summaries || !summariesLoading) return loadPage();
    summaries.cancel();
    clearTimeout(summariesLater);
    return loadPage().then(() => {
      summariesLater = setTimeout(loadSummaries, SUMMARIES_AFTER_PAGES_MS);
    });
  }

  async function loadCount() {
    total.textContent = "";
    total.classList.add("lw-busy");
    loadCode();
    const params = queryParams();
    try {
      const counted = await client.latest("count", "count", params);
      count = counted.result.count;
      total.textContent = countText(counted.result);
      total.title = counted.result.limit ? `a search shows its best ${counted.result.limit.toLocaleString("en-US")} matches` : "";
      total.classList.remove("lw-busy");
      updatePager();
      if (counted.result.matches > count && !counted.result.matches_exact) {
        const exact = await client.latest("count", "count", { ...params, exact_matches: true });
        total.textContent = countText(exact.result);
      }
    } catch (error) {
      errors.show(error);
    } finally {
      total.classList.remove("lw-busy");
      updatePager();
    }
  }

  async function loadCode() {
    try {
      code.textContent = (await client.latest("code", "codegen", queryParams())).result.code;
    } catch (error) {
      errors.show(error);
    }
  }

  // a record page takes the place of the rows and the pager
  function showDetail() {
    const id = store.get("detail_id");
    const open = id !== null && id !== undefined;
    results.hidden = open;
    pager.hidden = open;
    detail.show(store.get("registry"), open ? id : null);
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
      summarized = new Set([...fields.values()].filter((f) => !f.is_feature && f.kind !== "json" && f.kind !== "dict").map((f) => f.path));
      summaries?.reset();
      registrySelect.value = registry;
      columnsMenu.hidden = true;
      showDetail();
      await Promise.all([loadPage().then(loadSummaries), loadCount()]);
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
      summaries?.cancel();
      loadPage().then(loadSummaries);
    }),
    store.on("search", () => {
      if (search.value !== store.get("search")) search.value = store.get("search");
      firstPage();
      loadCount();
      summaries?.cancel();
      loadPage().then(loadSummaries);
    }),
    store.on("order", () => {
      firstPage();
      loadCount();
      loadPage();
    }),
    store.on("page", changePage),
    store.on("page_size", changePage),
    store.on("columns", () => loadPage().then(loadSummaries)),
    store.on("features", loadPage),
    store.on("selected_ids", () => {
      const selected = new Set<number>(store.get("selected_ids") ?? []);
      table.setSelected(selected);
      list.setSelected(selected);
      updatePager();
    }),
    store.on("detail_id", showDetail),
  ];
  showFilterCount();
  applyView();
  loadRegistries();
  loadRegistry();

  return {
    el,
    setView,
    /** Whether the list (not the table) is shown; `listener` hears of every change. */
    showsList,
    onView(listener: (list: boolean) => void) {
      viewListeners.add(listener);
      listener(showsList());
    },
    destroy() {
      setSearch.cancel();
      clearTimeout(summariesLater);
      summaries?.reset();
      filters.destroy();
      resize?.disconnect();
      offs.forEach((off) => off());
    },
  };
}
