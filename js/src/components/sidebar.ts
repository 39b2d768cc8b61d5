// The JupyterLab sidebar panel (no kernel needed): the served instance, its registries with counts, the
// registry browser over REST, and "Insert code" / "Insert and run" into the active notebook.
import type { RpcClient } from "../rpc/client";
import { isAbort } from "../rpc/types";
import { emptyGroup } from "../spec";
import { memoryStore } from "../store";
import { clear, h } from "../ui/dom";
import { registryBrowser } from "./browser";

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
  const el = h("div", { class: "lw lw-sidebar" });
  const refreshButton = h("button", { type: "button", class: "lw-refresh", title: "Refresh", "aria-label": "Refresh" }, "⟳ Refresh");
  const info = h("dl", { class: "lw-instance" });
  const message = h("div", { class: "lw-error lw-sidebar-message", role: "alert", hidden: true });
  const registries = h("ul", { class: "lw-registries", "aria-label": "Registries" });
  const insertButton = h("button", { type: "button", class: "lw-insert", title: "Insert the code below the active cell" }, "Insert code");
  const runButton = h("button", { type: "button", class: "lw-insert-run", title: "Insert the code and run it" }, "Insert and run");
  const notice = h("span", { class: "lw-muted lw-insert-notice", "aria-live": "polite" });
  const body = h("div", { class: "lw-sidebar-body" });
  el.append(
    h("div", { class: "lw-bar" }, h("b", { class: "lw-grow" }, "Lamin"), refreshButton),
    info,
    message,
    registries,
    h("div", { class: "lw-bar" }, insertButton, runButton, notice),
    body,
  );

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

  async function loadRegistries() {
    const { result } = await client.call("list_registries", {});
    clear(registries);
    const names = result.registries.map((r: any) => r.name);
    if (!names.includes(store.get("registry")) && names.length) store.set({ registry: names[0] });
    for (const r of result.registries) {
      const button = h(
        "button",
        { type: "button", class: "lw-regname", "aria-pressed": String(r.name === store.get("registry")), onclick: () => openRegistry(r.name) },
        r.name,
      );
      registries.append(h("li", { "data-registry": r.name }, button, h("span", { class: "lw-muted lw-count" }, String(r.count))));
    }
  }

  function openRegistry(name: string) {
    store.set({ registry: name, filters: emptyGroup(), search: "", order: [], page: 0, columns: [], features: [], selected_ids: [], detail_id: null });
    for (const button of registries.querySelectorAll("button")) button.setAttribute("aria-pressed", String(button.textContent === name));
  }

  async function refresh() {
    message.hidden = true;
    message.textContent = "";
    clear(info);
    clear(registries);
    browser?.destroy();
    browser = null;
    clear(body);
    el.setAttribute("aria-busy", "true");
    try {
      const instance = await options.instance();
      info.append(
        h("dt", {}, "instance"), h("dd", { class: "lw-instance-name" }, instance.slug),
        h("dt", {}, "storage"), h("dd", {}, instance.storage),
        h("dt", {}, "database"), h("dd", {}, `${instance.database} (read-only)`),
      );
      await loadRegistries();
      browser = registryBrowser(client, store);
      body.append(browser.el);
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
  insertButton.addEventListener("click", () => insert(false));
  runButton.addEventListener("click", () => insert(true));

  /** New settings: the page size applies at once, the import lines to the next insert. */
  function configure(settings: { pageSize?: number; importLine?: boolean }) {
    if (settings.importLine !== undefined) options.importLine = settings.importLine;
    if (settings.pageSize && settings.pageSize !== store.get("page_size")) store.set({ page_size: settings.pageSize, page: 0 });
  }

  return {
    el,
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
