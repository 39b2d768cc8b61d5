// @vitest-environment happy-dom
// The sidebar made for its width (issue 21): list rows with a name and a dim line, private columns hidden,
// a click opens a record and never selects, keyboard, the registry picker, record pages, truthful counts.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registryBrowser } from "../src/components/browser";
import { recordDetail } from "../src/components/detail";
import { registryPicker } from "../src/components/registries";
import { sidebarPanel } from "../src/components/sidebar";
import { RpcClient } from "../src/rpc/client";
import { commTransport } from "../src/rpc/comm";
import { memoryStore } from "../src/store";
import { ensureStyles } from "../src/ui/styles";
import { countText, displayName, humanSize, isPrivate, relativeDate, secondaryParts } from "../src/ui/format";
import { FakeModel, flush, ipc } from "./fake";

const SCHEMA = {
  registry: "Artifact",
  code_name: "ln.Artifact",
  label_field: "key",
  columns: ["uid", "key", "description", "suffix", "size", "_hash_type", "created_at", "_aux", "_branch_code"],
  lookup_labels: { exact: "=" },
  fields: [{ path: "size", kind: "number", lookups: ["exact"], is_feature: false, to_many: false, target: null, target_field: null, dtype: "BigIntegerField" }],
  relations: [{ name: "created_by", target: "User", to_many: false, label_field: "handle", fields: [] }],
  features: [],
};
const DAY = 86_400_000;
const ROWS = [
  { id: 1, uid: "a", key: "images/my_image.jpg", suffix: ".jpg", size: 29358, created_at: new Date(Date.now() - 3 * DAY), created_by__handle: "testuser1" },
  { id: 2, uid: "b", key: "raw/my_fastq.fastq.gz", suffix: ".fastq.gz", size: 20, created_at: new Date(Date.now() - 90_000), created_by__handle: "testuser1" },
  { id: 3, uid: "c", key: null, description: "Iris flower measurements", suffix: ".parquet", size: 5131, created_at: new Date(), created_by__handle: "falexwolf" },
];
const RECORD = {
  registry: "Artifact",
  id: 1,
  uid: "a0000",
  title: "examples/dataset1.h5ad",
  description: "A mini immuno dataset",
  facts: [
    { name: "suffix", value: ".h5ad" },
    { name: "size", value: 31672 },
    { name: "created_at", value: new Date(Date.now() - 2 * DAY).toISOString() },
    { name: "created_by", value: "testuser1", detail: "Test User1", link: { registry: "User", id: 1 } },
  ],
  path: "/data/storage/.lamindb/a0000.h5ad",
  versions: { items: [{ registry: "Artifact", id: 9, label: "x", version: "2", is_latest: true, current: false }, { registry: "Artifact", id: 1, label: "x", version: "1", is_latest: false, current: true }], more: 0 },
  feature_values: [
    { name: "cell_type", dtype: "cat[bionty.CellType]", values: [{ registry: "bionty.CellType", id: 5, label: "T cell", ontology_id: "CL:0000084" }], more: 12 },
    { name: "temperature", dtype: "float", values: [{ label: "21.6" }], more: 0 },
  ],
  relations: [
    { name: "ulabels", registry: "ULabel", items: [{ registry: "ULabel", id: 2, label: "DMSO" }], more: 0, is_label: true },
    { name: "collections", registry: "Collection", items: [{ registry: "Collection", id: 3, label: "My collection" }], more: 0, is_label: false },
    { name: "storage", registry: "Storage", items: [{ registry: "Storage", id: 1, label: "/data/storage" }], more: 0, is_label: false },
  ],
  slots: [{ slot: "obs", schema: { registry: "Schema", id: 4, label: "obs schema" }, n: 3, itype: "Feature" }],
  run: { registry: "Run", id: 6, label: "run 1" },
  transform: { registry: "Transform", id: 7, label: "ingest.ipynb" },
  all_fields: { id: "1", uid: "a0000", _hash_type: "md5", storage_id: "1" },
};

function fakePython(model: FakeModel, counts: { count: number; matches?: number; matches_exact?: boolean }[] = []) {
  model.handlers.list_registries = () => ({
    result: {
      registries: [
        { name: "Artifact", module: "core", count: 3 },
        { name: "Collection", module: "core", count: 0 },
        { name: "ULabel", module: "core", count: 4 },
        { name: "bionty.CellType", module: "bionty", count: 2 },
        { name: "bionty.Gene", module: "bionty", count: 0 },
      ],
    },
  });
  model.handlers.schema = () => ({ result: SCHEMA });
  model.handlers.count = (p) => ({ result: counts.length ? counts[p.exact_matches ? 1 : 0] : { count: ROWS.length } });
  model.handlers.codegen = () => ({ result: { code: "ln.Artifact.filter()", imports: [] } });
  model.handlers.page = (p) => {
    const columns: Record<string, unknown[]> = { id: ROWS.map((r) => r.id) };
    for (const c of p.columns) columns[c] = ROWS.map((r) => (r as any)[c] ?? null);
    return { result: { ms: 1.5 }, buffers: [ipc(columns)] };
  };
  model.handlers.record = (p) => ({ result: { ...RECORD, id: p.id, registry: p.registry, title: p.registry === "Artifact" ? RECORD.title : `${p.registry} ${p.id}` } });
}

function browser(counts?: Parameters<typeof fakePython>[1]) {
  const model = new FakeModel({});
  fakePython(model, counts);
  const client = new RpcClient(commTransport(model as any));
  const store = memoryStore({ registry: "Artifact", filters: { op: "and", not: false, items: [] }, search: "", order: [], page: 0, page_size: 20, columns: [], features: [], selected_ids: [], detail_id: null, show_registries: false });
  const b = registryBrowser(client, store);
  el.append(b.el);
  return { model, store, b };
}

const key = (target: Element, k: string, extra: KeyboardEventInit = {}) => target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, ...extra }));
const click = (target: Element, extra: MouseEventInit = {}) => target.dispatchEvent(new MouseEvent("click", { bubbles: true, ...extra }));

let el: HTMLElement;
beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
});
afterEach(() => el.remove());

describe("what a list row says", () => {
  it("formats sizes, dates and private names", () => {
    expect([humanSize(20), humanSize(5131), humanSize(31672), humanSize(1_234_567_890), humanSize(null)]).toEqual(["20 B", "5.1 kB", "31.7 kB", "1.2 GB", ""]);
    const now = new Date("2025-03-10T12:00:00Z");
    expect(relativeDate(new Date("2025-03-10T11:59:30Z"), now)).toBe("just now");
    expect(relativeDate(new Date("2025-03-10T11:00:00Z"), now)).toBe("1 h ago");
    expect(relativeDate(new Date("2025-03-09T10:00:00Z"), now)).toBe("yesterday");
    expect(relativeDate(new Date("2025-03-01T10:00:00Z"), now)).toBe("9 days ago");
    expect(relativeDate("2024-12-01T10:00:00Z", now)).toBe("2024-12-01");
    expect(["_aux", "_branch_code", "key", "created_by__handle", "links__hidden", "run___x"].map(isPrivate)).toEqual([true, true, false, false, false, true]);
  });

  it("names a record by key, name or description and adds suffix, size, date, creator, version", () => {
    const now = new Date("2025-03-10T12:00:00Z");
    expect(displayName({ id: 1, key: "a/b.h5ad", name: "x" }, "key")).toBe("a/b.h5ad");
    expect(displayName({ id: 1, key: null, description: "Iris" }, "key")).toBe("Iris");
    expect(displayName({ id: 4, key: null }, "key")).toBe("#4");
    const row = { key: "raw/x.fastq.gz", suffix: ".fastq.gz", size: 20, created_at: new Date("2025-03-08T12:00:00Z"), created_by__handle: "testuser1", version: "2" };
    expect(secondaryParts(row, "raw/x.fastq.gz", now)).toEqual(["20 B", "2 days ago", "testuser1", "v2"]);
    expect(secondaryParts({ suffix: ".csv", size: 5131 }, "My table", now)).toEqual([".csv", "5.1 kB"]);
  });

  it("says a capped search's count truthfully", () => {
    expect(countText({ count: 5 })).toBe("5 records");
    expect(countText({ count: 1, matches: 1, matches_exact: true })).toBe("1 record");
    expect(countText({ count: 1000, matches: 2000, matches_exact: false })).toBe("first 1,000 of ≥ 2,000");
    expect(countText({ count: 1000, matches: 2345, matches_exact: true })).toBe("first 1,000 of 2,345");
  });
});

describe("registry browser", () => {
  it("hides private columns by default; Columns lists them apart and shows them when chosen", async () => {
    const { model, store } = browser();
    await flush();
    const request = model.requests("page").at(-1).params;
    expect(request.columns).toEqual(expect.arrayContaining(["uid", "key", "suffix", "size", "created_at", "created_by__handle"]));
    expect(request.columns.filter(isPrivate)).toEqual([]);
    const headers = [...el.querySelectorAll("th[data-column]")].map((th) => th.getAttribute("data-column"));
    expect(headers).toEqual(["key", "suffix", "size", "created_at", "uid", "description"]); // the name, then what a list row says
    (el.querySelector(".lw-columns-toggle") as HTMLButtonElement).click();
    const menu = el.querySelector(".lw-menu [role=menu]")!;
    expect(menu.textContent).toContain("Private fields");
    const aux = [...menu.querySelectorAll("label")].find((l) => l.textContent!.trim() === "_aux")!;
    expect((aux.querySelector("input") as HTMLInputElement).checked).toBe(false);
    (aux.querySelector("input") as HTMLInputElement).click();
    expect(store.get("columns")).toContain("_aux");
    await flush();
    expect(model.requests("page").at(-1).params.columns).toContain("_aux");
    expect(el.querySelector("th[data-column=_aux]")).not.toBeNull();
  });

  it("lists display names with a dim line; a click opens the record and never selects", async () => {
    const { store, b } = browser();
    await flush();
    b.setView("list");
    expect(el.querySelector(".lw-browser")!.getAttribute("data-view")).toBe("list");
    const items = [...el.querySelectorAll(".lw-list li[data-id]")] as HTMLElement[];
    expect(items.map((li) => li.querySelector(".lw-primary")!.textContent)).toEqual(["images/my_image.jpg", "raw/my_fastq.fastq.gz", "Iris flower measurements"]);
    expect(items[0].querySelector(".lw-secondary")!.textContent).toBe("29.4 kB · 3 days ago · testuser1");
    expect(items[2].querySelector(".lw-secondary")!.textContent).toBe(".parquet · 5.1 kB · just now · falexwolf");
    expect(el.querySelector(".lw-tablewrap")!.hasAttribute("hidden")).toBe(true);

    click(items[1]);
    expect(store.get("detail_id")).toBe(2);
    expect(store.get("selected_ids")).toEqual([]);
    await flush();
    expect(el.querySelector(".lw-results-area")!.hasAttribute("hidden")).toBe(true);
    expect(el.querySelector(".lw-record-title")!.textContent).toBe("examples/dataset1.h5ad");
    key(el.querySelector(".lw-record")!, "Escape"); // back to the list
    expect(store.get("detail_id")).toBe(null);
    await flush();
    expect(el.querySelector(".lw-results-area")!.hasAttribute("hidden")).toBe(false);
  });

  it("selects by checkbox, Space and Ctrl/Shift-click; arrows move, Enter opens", async () => {
    const { store, b } = browser();
    await flush();
    b.setView("list");
    const items = () => [...el.querySelectorAll(".lw-list li[data-id]")] as HTMLElement[];
    (items()[0].querySelector("input") as HTMLInputElement).click();
    expect(store.get("selected_ids")).toEqual([1]);
    click(items()[2], { shiftKey: true }); // a range from the last one toggled
    expect(store.get("selected_ids")).toEqual([1, 2, 3]);
    click(items()[1], { ctrlKey: true });
    expect(store.get("selected_ids")).toEqual([1, 3]);
    items()[0].focus();
    key(items()[0], "ArrowDown");
    expect(document.activeElement).toBe(items()[1]);
    key(items()[1], " ");
    expect(store.get("selected_ids")).toEqual([1, 3, 2]);
    key(items()[1], "End");
    expect(document.activeElement).toBe(items()[2]);
    key(items()[2], "Enter");
    expect(store.get("detail_id")).toBe(3);
    expect(store.get("selected_ids")).toEqual([1, 3, 2]);
    // the table behaves the same
    store.set({ detail_id: null });
    b.setView("table");
    await flush();
    const row = el.querySelector("tbody tr[data-id='2']") as HTMLElement;
    click(row);
    expect(store.get("detail_id")).toBe(2);
    expect(row.getAttribute("aria-selected")).toBe("true");
  });

  it("says 'first 1,000 of ≥ 2,000' at once and the exact number when it arrives", async () => {
    const { model } = browser([
      { count: 1000, matches: 2000, matches_exact: false },
      { count: 1000, matches: 2345, matches_exact: true },
    ]);
    await flush();
    expect(model.requests("count").map((r) => Boolean(r.params.exact_matches))).toEqual([false, true]);
    expect(el.querySelector(".lw-total")!.textContent).toBe("first 1,000 of 2,345");
    expect(el.querySelector(".lw-pageinfo")!.textContent).toBe("page 1 of 50");
    expect(el.querySelector(".lw-timing")).toBeNull(); // timings only in a tooltip
    expect(el.querySelector(".lw-pageinfo")!.getAttribute("title")).toMatch(/ms/);
  });

  it("asks for a page without waiting for the count", async () => {
    const { model } = browser();
    let release!: () => void;
    model.handlers.count = () => new Promise((resolve) => (release = () => resolve({ result: { count: 3 } })));
    model.handlers.schema = () => ({ result: SCHEMA });
    await flush();
    // the count of the first load answered; a new search's count hangs while its page arrives
    const before = model.requests("page").length;
    (el.querySelector(".lw-search") as HTMLInputElement).value = "x";
    key(el.querySelector(".lw-search")!, "Enter");
    await flush();
    expect(model.requests("page").length).toBe(before + 1);
    expect(el.querySelectorAll("tbody tr[data-id]").length).toBe(3);
    release();
  });
});

describe("record page", () => {
  it("shows title, facts, versions, path, features with ontology ids, labels, slots, provenance; links move", async () => {
    const model = new FakeModel({});
    fakePython(model);
    let closed = 0;
    const page = recordDetail(new RpcClient(commTransport(model as any)), () => closed++);
    el.append(page.el);
    await page.show("Artifact", 1);
    await flush();
    const text = page.el.textContent!;
    expect(page.el.querySelector(".lw-record-title")!.textContent).toBe("examples/dataset1.h5ad");
    expect(page.el.querySelector(".lw-description")!.textContent).toBe("A mini immuno dataset");
    expect(text).toContain("31.7 kB");
    expect(text).toContain("2 days ago");
    expect(text).toContain("testuser1 (Test User1)");
    expect(page.el.querySelector(".lw-versions")!.textContent).toBe("2 (latest)1");
    expect(page.el.querySelector(".lw-path code")!.getAttribute("title")).toBe(RECORD.path);
    expect(page.el.querySelector(".lw-copy-path")).not.toBeNull();
    const features = page.el.querySelector("[data-section=features]")!;
    expect(features.textContent).toContain("T cellCL:0000084… and 12 more");
    expect(features.textContent).toContain("temperature21.6");
    expect(page.el.querySelector("[data-section=labels]")!.textContent).toBe("LabelsulabelsDMSO");
    expect(page.el.querySelector("[data-section=schema]")!.textContent).toContain("obs schema 3 features");
    expect(page.el.querySelector("[data-section=collections]")!.textContent).toContain("My collection");
    expect(page.el.querySelector("[data-section='made by']")!.textContent).toContain("ingest.ipynb");
    // private and id fields only behind "All fields"
    const all = page.el.querySelector("details.lw-all-fields") as HTMLDetailsElement;
    expect(all.open).toBe(false);
    expect(all.textContent).toContain("_hash_type");
    expect(page.el.querySelector(".lw-facts")!.textContent).not.toContain("_hash_type");
    // a link opens the related record; Back returns, a second Back closes
    click(page.el.querySelector("a[data-registry='bionty.CellType']")!);
    await flush();
    expect(model.requests("record").at(-1).params).toEqual({ registry: "bionty.CellType", id: 5 });
    expect(page.el.querySelector(".lw-record-title")!.textContent).toBe("bionty.CellType 5");
    (page.el.querySelector(".lw-back-record") as HTMLButtonElement).click();
    await flush();
    expect(page.el.querySelector(".lw-record-title")!.textContent).toBe("examples/dataset1.h5ad");
    expect(closed).toBe(0);
    key(page.el, "Escape");
    expect(closed).toBe(1);
  });
});

describe("record page, as read", () => {
  it("lists a label linked under two features once, breaks a path title after its slashes, names schema members", async () => {
    const model = new FakeModel({});
    fakePython(model);
    const cellTypes = [
      { registry: "bionty.CellType", id: 5, label: "B cell", ontology_id: "CL:0000236" },
      { registry: "bionty.CellType", id: 5, label: "B cell", ontology_id: "CL:0000236" },
      { registry: "bionty.CellType", id: 6, label: "T cell", ontology_id: "CL:0000084" },
    ];
    model.handlers.record = () => ({
      result: {
        ...RECORD,
        relations: [{ name: "cell_types", registry: "bionty.CellType", items: cellTypes, more: 0, is_label: true }],
        slots: [{ slot: "var.T", schema: { registry: "Schema", id: 4, label: "genes" }, n: 3, itype: "bionty.Gene.ensembl_gene_id" }],
      },
    });
    const page = recordDetail(new RpcClient(commTransport(model as any)), () => {});
    el.append(page.el);
    await page.show("Artifact", 1);
    await flush();
    const labels = page.el.querySelector("[data-section=labels]")!;
    expect([...labels.querySelectorAll("a")].map((a) => a.textContent)).toEqual(["B cell", "T cell"]);
    expect(page.el.querySelector(".lw-record-title")!.innerHTML).toBe("examples/<wbr>dataset1.h5ad");
    expect(page.el.querySelector("[data-section=schema]")!.textContent).toContain("genes 3 genes");
    // the path runs left to right inside a box ellipsized at its start; the copy is the path itself
    expect(page.el.querySelector(".lw-path code bdi")!.textContent).toBe(RECORD.path);
  });

  it("colours links with JupyterLab's link colour, over JupyterLab's own `.jp-ThemedContainer a` rule", async () => {
    ensureStyles();
    const theme = document.createElement("style");
    theme.textContent = ".jp-ThemedContainer a { color: unset; } :root { --jp-content-link-color: rgb(13, 71, 161); }";
    document.head.append(theme);
    const container = document.createElement("div");
    container.className = "jp-ThemedContainer";
    const lw = document.createElement("div");
    lw.className = "lw";
    container.append(lw);
    el.append(container);
    const model = new FakeModel({});
    fakePython(model);
    const page = recordDetail(new RpcClient(commTransport(model as any)), () => {});
    lw.append(page.el);
    await page.show("Artifact", 1);
    await flush();
    const link = page.el.querySelector("a.lw-link") as HTMLElement;
    expect(getComputedStyle(link).color).toBe("rgb(13, 71, 161)");
    theme.remove();
  });
});

describe("registry picker and toolbar", () => {
  it("groups registries by module with counts, folds empty ones away, and works by keyboard", () => {
    const picked: string[] = [];
    const picker = registryPicker((name) => picked.push(name));
    el.append(picker.el);
    picker.update(
      [
        { name: "Artifact", module: "core", count: 3 },
        { name: "Collection", module: "core", count: 0 },
        { name: "bionty.CellType", module: "bionty", count: 2 },
        { name: "bionty.Gene", module: "bionty", count: 0 },
      ],
      "Artifact",
    );
    expect(picker.button.textContent).toBe("Artifact3");
    const list = picker.el.querySelector("[role=listbox]") as HTMLElement;
    expect([...list.querySelectorAll("li")].map((li) => li.textContent)).toEqual(["core", "Artifact3", "bionty", "CellType2", "2 empty registries…"]);
    key(picker.button, "ArrowDown");
    expect(list.hidden).toBe(false);
    expect(document.activeElement!.getAttribute("data-registry")).toBe("Artifact");
    key(list, "ArrowDown");
    key(list, "Enter");
    expect(picked).toEqual(["bionty.CellType"]);
    expect(list.hidden).toBe(true);
    picker.button.click();
    key(list, "Escape");
    expect(list.hidden).toBe(true);
    expect(document.activeElement).toBe(picker.button);
    (list.querySelector(".lw-show-empty") as HTMLButtonElement).click();
    expect(list.querySelectorAll("li[role=option]").length).toBe(4);
  });

  it("has a toolbar of labelled icon buttons, one tab stop, arrows between them, and the list at 250 px", async () => {
    const model = new FakeModel({});
    fakePython(model);
    const panel = sidebarPanel({
      client: new RpcClient(commTransport(model as any)),
      instance: async () => ({ name: "s", slug: "testuser1/storage", storage: "/a/very/long/path/to/the/storage", database: "sqlite:///x.db", modules: [] }),
      insert: async () => null,
    });
    el.append(panel.el);
    await panel.refresh();
    await flush();
    expect(panel.el.getAttribute("role")).toBe("region");
    const toolbar = panel.el.querySelector("[role=toolbar]")!;
    const buttons = [...toolbar.querySelectorAll("button")];
    expect(buttons.map((b) => b.getAttribute("aria-label"))).toEqual([
      "Show a list",
      "Insert the query's code below the active cell",
      "Insert the query's code below the active cell and run it",
      "Refresh the registries",
    ]);
    expect(buttons.every((b) => b.title && b.querySelector(".lw-icon"))).toBe(true);
    expect(buttons.map((b) => b.tabIndex)).toEqual([0, -1, -1, -1]);
    buttons[0].focus();
    key(buttons[0], "ArrowRight");
    expect(document.activeElement).toBe(buttons[1]);
    key(buttons[1], "End");
    expect(document.activeElement).toBe(buttons[3]);
    // the instance on one line; its paths in the tooltip
    const info = panel.el.querySelector(".lw-instance") as HTMLElement;
    expect(info.title).toContain("storage: /a/very/long/path/to/the/storage");
    expect(info.title).toContain("database: sqlite:///x.db (read-only)");
    // the toolbar's toggle shows the list (as a panel narrower than 400 px does by itself)
    buttons[0].click();
    await flush();
    expect(panel.el.querySelectorAll(".lw-list li[data-id]").length).toBe(3);
    expect(buttons[0].getAttribute("aria-label")).toBe("Show a table");
  });
});
