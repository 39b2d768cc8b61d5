// The JupyterLab sidebar panel (no kernel needed), made for its 250 px: a toolbar (refresh, insert, insert
// and run, list/table), the served instance on one line (paths in its tooltip), a compact registry picker,
// and the registry browser over REST, a list of records below 400 px and the table from there on.
import type { RpcClient } from "../rpc/client";
import { isAbort } from "../rpc/types";
import { emptyGroup } from "../spec";
import { memoryStore } from "../store";
import { clear, h } from "../ui/dom";
import { icon, type IconLike, type IconName } from "../ui/icons";
import { registryBrowser } from "./browser";
import { registryPicker } from "./registries";

export interface InstanceInfo {
  name: string;
  slug: string;
  storage: string;
  database: string;
  modules: string[];
}

export interface SidebarOptions {
  client: RpcClient;
  /** The served instance; rejects with an RpcError (type no_instance, database_unavailable, ...). */
  instance(): Promise<InstanceInfo>;
  /**
   * Put code below the active notebook cell (and run it), with those of `imports` the notebook lacks
   * (`cellSource`); resolves to a message shown when it failed.
   */
  insert(code: string, imports: string[], run: boolean): Promise<string | null>;
  pageSize?: number;
  registry?: string;
  importLine?: boolean;
  /** JupyterLab's LabIcons for the toolbar (inline icons otherwise). */
  icons?: Partial<Record<IconName, IconLike>>;
}

export interface InsertedCode {
  code: string;
  /** Whole lines such as `import lamin_core.bionty as bt`, in order. */
  imports: string[];
}

/**
 * The source of an inserted cell: `code` after those `imports` that no line of `sources` (the notebook's
 * code cells) already is, ignoring surrounding whitespace; so each import goes into a notebook once.
 */
export function cellSource(code: string, imports: string[], sources: string[]): string {
  const present = new Set(sources.flatMap((source) => source.split("\n").map((line) => line.trim())));
  const missing = imports.filter((line) => !present.has(line.trim()));
  return missing.length ? `${missing.join("\n")}\n\n${code}` : code;
}

const HINTS: Record<string, string> = {
  no_instance: "No lamin instance is configured for this Jupyter server. Create one with `lamin-core init --storage ./mydata` or set LAMIN_SERVER_INSTANCE, then refresh.",
  database_unavailable: "The instance's database cannot be opened. Check that it exists and is reachable, then refresh.",
};

export function sidebarPanel(options: SidebarOptions) {
  const { client } = options;
  const el = h("div", { class: "lw lw-sidebar", role: "region", "aria-label": "Lamin registries" });
  const button = (name: IconName, className: string, title: string) =>
    h("button", { type: "button", class: `lw-tool ${className}`, title, "aria-label": title }, icon(name, options.icons?.[name]));
  const refreshButton = button("refresh", "lw-refresh", "Refresh the registries");
  const insertButton = button("insert", "lw-insert", "Insert the query's code below the active cell");
  const runButton = button("run", "lw-insert-run", "Insert the query's code below the active cell and run it");
  const viewButton = button("list", "lw-view-toggle", "Show a list");
  const toolbar = h(
    "div",
    { class: "lw-toolbar jp-Toolbar", role: "toolbar", "aria-label": "Lamin", "aria-orientation": "horizontal" },
    h("span", { class: "lw-toolbar-title" }, "Lamin"),
    h("span", { class: "lw-spacer" }),
    viewButton,
    insertButton,
    runButton,
    refreshButton,
  );
  const info = h("div", { class: "lw-instance" });
  const message = h("div", { class: "lw-error lw-sidebar-message", role: "alert", hidden: true });
  const picker = registryPicker((name) => openRegistry(name));
  const notice = h("div", { class: "lw-muted lw-insert-notice", "aria-live": "polite" });
  const body = h("div", { class: "lw-sidebar-body" });
  el.append(toolbar, info, message, picker.el, notice, body);

  // the toolbar is one tab stop; arrows move between its buttons (WAI-ARIA toolbar)
  const tools = [viewButton, insertButton, runButton, refreshButton];
  tools.forEach((tool, i) => (tool.tabIndex = i === 0 ? 0 : -1));
  toolbar.addEventListener("keydown", (e) => {
    const index = tools.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0 || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(e.key)) return;
    e.preventDefault();
    const next = e.key === "Home" ? 0 : e.key === "End" ? tools.length - 1 : (index + (e.key === "ArrowRight" ? 1 : -1) + tools.length) % tools.length;
    tools.forEach((tool, i) => (tool.tabIndex = i === next ? 0 : -1));
    tools[next].focus();
  });

  const store = memoryStore({
    registry: options.registry ?? "Artifact",
    filters: emptyGroup(),
    search: "",
    order: [],
    page: 0,
    page_size: options.pageSize ?? 20,
    columns: [],
    features: [],
    selected_ids: [],
    detail_id: null,
    show_registries: false,
  });
  let browser: ReturnType<typeof registryBrowser> | null = null;

  function showMessage(error: unknown) {
    if (isAbort(error)) return;
    const type = (error as { type?: string }).type ?? "";
    const text = error instanceof Error ? error.message : String(error);
    message.textContent = HINTS[type] ? `${text}\n${HINTS[type]}` : text;
    message.dataset.type = type;
    message.hidden = false;
  }

  /** The picker's registries with their counts (asked for with the instance, not waited for by the rows). */
  async function loadRegistries(registries: Promise<{ result: any }>) {
    try {
      const { result } = await registries;
      const names = result.registries.map((r: any) => r.name);
      if (!names.includes(store.get("registry")) && names.length) openRegistry(names[0]);
      picker.update(result.registries, store.get("registry"));
    } catch (error) {
      showMessage(error);
    }
  }

  function openRegistry(name: string) {
    store.set({ registry: name, filters: emptyGroup(), search: "", order: [], page: 0, columns: [], features: [], selected_ids: [], detail_id: null });
    picker.select(name);
  }

  async function refresh() {
    message.hidden = true;
    message.textContent = "";
    clear(info);
    browser?.destroy();
    browser = null;
    clear(body);
    el.setAttribute("aria-busy", "true");
    // the instance, the registries and the first registry's schema are asked for at once: the first rows
    // wait for one round trip less each (the browser asks for its page once the schema is there)
    const registries = client.call("list_registries", {});
    registries.catch(() => {}); // reported by loadRegistries, if the instance was there
    client.schema(store.get("registry")).catch(() => {});
    try {
      const instance = await options.instance();
      const where = `storage: ${instance.storage}\ndatabase: ${instance.database} (read-only)`;
      info.title = `${instance.slug}\n${where}`;
      info.append(
        h("span", { class: "lw-instance-name lw-ellipsis" }, instance.slug),
        // ellipsized at its start: the end of a path tells paths apart
        h("span", { class: "lw-muted lw-instance-path lw-ellipsis" }, h("span", { dir: "ltr" }, instance.storage)),
      );
      browser = registryBrowser(client, store, { viewToggle: false, icons: options.icons });
      body.append(browser.el);
      browser.onView((list) => {
        viewButton.replaceChildren(icon(list ? "table" : "list", options.icons?.[list ? "table" : "list"]));
        viewButton.title = list ? "Show a table" : "Show a list";
        viewButton.setAttribute("aria-label", viewButton.title);
        viewButton.setAttribute("aria-pressed", String(list));
      });
      loadRegistries(registries);
    } catch (error) {
      showMessage(error);
    } finally {
      el.removeAttribute("aria-busy");
    }
  }

  /** The browser's query as a DataFrame, and the import lines it needs (none with the setting off). */
  async function code(): Promise<InsertedCode> {
    const { result } = await client.call("codegen", {
      registry: store.get("registry"),
      filters: store.get("filters"),
      search: store.get("search"),
      order: store.get("order"),
    });
    return { code: `${result.code}.df()`, imports: options.importLine === false ? [] : result.imports };
  }

  async function insert(run: boolean) {
    notice.textContent = "";
    try {
      const { code: text, imports } = await code();
      const failed = await options.insert(text, imports, run);
      notice.textContent = failed ?? (run ? "inserted and running" : "inserted");
    } catch (error) {
      showMessage(error);
    }
  }

  refreshButton.addEventListener("click", () => refresh());
  viewButton.addEventListener("click", () => browser?.setView(browser.showsList() ? "table" : "list"));
  insertButton.addEventListener("click", () => insert(false));
  runButton.addEventListener("click", () => insert(true));

  /** New settings: the page size applies at once, the import lines to the next insert. */
  function configure(settings: { pageSize?: number; importLine?: boolean }) {
    if (settings.importLine !== undefined) options.importLine = settings.importLine;
    if (settings.pageSize && settings.pageSize !== store.get("page_size")) store.set({ page_size: settings.pageSize, page: 0 });
  }

  return {
    el,
    store,
    get browser() {
      return browser;
    },
    refresh,
    code,
    insert,
    configure,
    destroy() {
      browser?.destroy();
      client.dispose();
    },
  };
}
