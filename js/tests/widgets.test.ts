// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import browserWidget from "../src/widgets/browser";
import filterWidget from "../src/widgets/filter_builder";
import searchWidget from "../src/widgets/search";
import viewWidget from "../src/widgets/view";
import { pageTable } from "../src/components/table";
import { FakeModel, flush, ipc } from "./fake";

const SCHEMA = {
  registry: "Artifact",
  code_name: "ln.Artifact",
  label_field: "key",
  columns: ["uid", "key", "suffix", "size"],
  lookup_labels: { exact: "=", ne: "≠", gt: ">", in: "in", isnull: "is empty", contains: "contains" },
  fields: [
    { path: "key", kind: "text", lookups: ["exact", "ne", "contains", "in", "isnull"], is_feature: false, to_many: false, target: null, target_field: null, dtype: "CharField" },
    { path: "suffix", kind: "text", lookups: ["exact", "ne", "contains", "in", "isnull"], is_feature: false, to_many: false, target: null, target_field: null, dtype: "CharField" },
    { path: "size", kind: "number", lookups: ["exact", "gt", "in", "isnull"], is_feature: false, to_many: false, target: null, target_field: null, dtype: "BigIntegerField" },
  ],
  relations: [
    { name: "ulabels", target: "ULabel", to_many: true, label_field: "name", fields: [{ path: "ulabels__name", kind: "text", lookups: ["exact"], is_feature: false, to_many: true, target: "ULabel", target_field: "name", dtype: "CharField" }] },
  ],
  features: [{ path: "perturbation", kind: "label", lookups: ["exact", "in"], is_feature: true, to_many: false, target: "ULabel", target_field: "name", dtype: "cat[ULabel]" }],
};
const ROWS = [
  { id: 1, uid: "a", key: "images/my_image.jpg", suffix: ".jpg", size: 29358 },
  { id: 2, uid: "b", key: "raw/my_fastq.fastq.gz", suffix: ".fastq.gz", size: 20 },
  { id: 3, uid: "c", key: "iris.parquet", suffix: ".parquet", size: 5131 },
];

function fakePython(model: FakeModel) {
  model.handlers.list_registries = () => ({ result: { registries: [{ name: "Artifact", module: "core", count: 3, label_field: "key" }, { name: "ULabel", module: "core", count: 4, label_field: "name" }] } });
  model.handlers.schema = () => ({ result: SCHEMA });
  model.handlers.count = (p) => ({ result: { count: p.search ? 1 : ROWS.length } });
  model.handlers.codegen = (p) => ({ result: { code: `ln.Artifact.filter()${p.search ? `.search('${p.search}')` : ""}` } });
  model.handlers.page = (p) => {
    let rows = p.search ? ROWS.filter((r) => r.key.includes(p.search)) : [...ROWS];
    if (p.order?.[0] === "size") rows.sort((a, b) => a.size - b.size);
    rows = rows.slice(p.offset, p.offset + p.limit);
    const columns: Record<string, unknown[]> = { id: rows.map((r) => r.id) };
    for (const c of ["uid", "key", "suffix", "size"]) columns[c] = rows.map((r) => (r as any)[c]);
    return { result: { ms: 1.5, offset: p.offset, limit: p.limit }, buffers: [ipc(columns)] };
  };
  model.handlers.record = (p) => ({
    result: {
      registry: p.registry,
      id: p.id,
      title: `record ${p.id}`,
      label: `record ${p.id}`,
      fields: { key: "iris.parquet" },
      related: { ulabels: ["DMSO"] },
      relations: [{ name: "ulabels", registry: "ULabel", items: [{ registry: "ULabel", id: 1, label: "DMSO" }], more: 0, is_label: true }],
      features: {},
    },
  });
  model.handlers.lookup = (p) => ({ result: { field: "name", results: ["DMSO", "IFNG"].filter((n) => n.toLowerCase().startsWith(p.prefix.toLowerCase())).map((value, i) => ({ id: i + 1, value })) } });
}

function browserModel() {
  const model = new FakeModel({
    registry: "Artifact",
    filters: { op: "and", not: false, items: [] },
    search: "",
    order: [],
    page: 0,
    page_size: 2,
    columns: [],
    features: [],
    selected_ids: [],
    detail_id: null,
    show_registries: true,
  });
  fakePython(model);
  return model;
}

let el: HTMLElement;
beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
});
afterEach(() => el.remove());

describe("RegistryBrowser front end", () => {
  it("shows a page, the count and the code; pages, sorts, selects, opens details", async () => {
    const model = browserModel();
    const cleanup = browserWidget.render({ model, el });
    await flush();
    const rows = () => [...el.querySelectorAll("tbody tr[data-id]")].map((tr) => (tr as HTMLElement).dataset.id);
    expect(rows()).toEqual(["1", "2"]);
    expect(el.querySelector(".lw-total")!.textContent).toBe("3 records");
    expect(el.querySelector(".lw-pageinfo")!.textContent).toBe("page 1 of 2");
    expect(el.querySelector(".lw-browser-code")!.textContent).toBe("ln.Artifact.filter()");
    expect(document.getElementById("lamin-widgets-style")).not.toBeNull();
    const sizeAt = [...el.querySelectorAll("th")].findIndex((th) => th.getAttribute("data-column") === "size");
    const size = el.querySelectorAll("tbody tr[data-id]")[0].children[sizeAt] as HTMLElement;
    expect(size.textContent).toBe("29.4 kB");
    expect(size.title).toBe("29,358 bytes");

    (el.querySelector(".lw-next") as HTMLButtonElement).click();
    expect(model.state.page).toBe(1);
    await flush();
    expect(rows()).toEqual(["3"]);
    expect(model.requests("page").at(-1).params.offset).toBe(2);

    (el.querySelector("th[data-column=size]") as HTMLElement).click();
    expect(model.state.order).toEqual(["size"]);
    await flush();
    expect(el.querySelector("th[data-column=size]")!.getAttribute("aria-sort")).toBe("ascending");

    const row = el.querySelector("tbody tr[data-id]") as HTMLElement;
    (row.querySelector("input[type=checkbox]") as HTMLInputElement).click(); // the checkbox selects
    expect(model.state.selected_ids).toEqual([Number(row.dataset.id)]);
    await flush();
    expect(el.querySelector(".lw-selected")!.textContent).toBe("1 selected");
    row.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(model.state.detail_id).toBe(Number(row.dataset.id));
    expect(model.state.selected_ids).toEqual([Number(row.dataset.id)]); // opening does not select
    await flush();
    expect(el.querySelector(".lw-detail")!.textContent).toContain("DMSO");
    cleanup();
  });

  it("searches after typing stops, and Escape clears", async () => {
    const model = browserModel();
    browserWidget.render({ model, el });
    await flush();
    const search = el.querySelector(".lw-search") as HTMLInputElement;
    search.value = "iris";
    search.dispatchEvent(new Event("input"));
    expect(model.state.search).toBe("");
    await flush(80);
    await flush(80);
    expect(model.state.search).toBe("iris");
    await flush();
    expect(el.querySelector(".lw-total")!.textContent).toBe("1 record");
    search.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(model.state.search).toBe("");
  });

  it("shows errors from Python in the widget", async () => {
    const model = browserModel();
    model.handlers.page = () => {
      throw new Error("Artifact has no field 'nope'");
    };
    browserWidget.render({ model, el });
    await flush();
    const shown = [...el.querySelectorAll<HTMLElement>(".lw-error")].filter((e) => !e.hidden);
    expect(shown.map((e) => e.textContent).join()).toContain("Artifact has no field 'nope'");
  });
});

describe("FilterBuilder front end", () => {
  it("builds a spec from conditions and shows count and code", async () => {
    const model = browserModel();
    const cleanup = filterWidget.render({ model, el });
    await flush();
    (el.querySelector(".lw-add-cond") as HTMLButtonElement).click();
    const field = el.querySelector("select.lw-field") as HTMLSelectElement;
    field.value = "suffix";
    field.dispatchEvent(new Event("change"));
    const value = el.querySelector("input.lw-value") as HTMLInputElement;
    value.value = ".h5ad";
    value.dispatchEvent(new Event("input"));
    value.dispatchEvent(new Event("change"));
    expect(model.state.filters).toEqual({ op: "and", not: false, items: [{ field: "suffix", lookup: "exact", value: ".h5ad" }] });
    (el.querySelector(".lw-add-cond") as HTMLButtonElement).click();
    const fields = el.querySelectorAll("select.lw-field");
    const second = fields[1] as HTMLSelectElement;
    second.value = "perturbation";
    second.dispatchEvent(new Event("change"));
    const input = el.querySelectorAll("input.lw-value")[1] as HTMLInputElement;
    expect(input.getAttribute("list")).toBeTruthy(); // label autocomplete
    input.value = "DM";
    input.dispatchEvent(new Event("input"));
    await flush(100);
    await flush(100);
    expect(model.requests("lookup").at(-1).params).toMatchObject({ registry: "ULabel", field: "name", prefix: "DM" });
    input.value = "DMSO";
    input.dispatchEvent(new Event("change"));
    expect(model.state.filters.items[1]).toEqual({ field: "perturbation", lookup: "exact", value: "DMSO" });
    await flush();
    expect(el.querySelector(".lw-count")!.textContent).toBe("3 records");
    expect(el.querySelector(".lw-filter-code")!.textContent).toBe("ln.Artifact.filter()");
    cleanup();
  });

  it("shows filters set from Python and keeps incomplete conditions out of the spec", async () => {
    const model = browserModel();
    filterWidget.render({ model, el });
    await flush();
    model.set("filters", { op: "or", not: false, items: [{ field: "size", lookup: "gt", value: 100 }] });
    await flush();
    expect((el.querySelector("select.lw-op") as HTMLSelectElement).value).toBe("or");
    expect((el.querySelector("input.lw-value") as HTMLInputElement).value).toBe("100");
    const value = el.querySelector("input.lw-value") as HTMLInputElement;
    value.value = "abc"; // not a number: left out
    value.dispatchEvent(new Event("input"));
    value.dispatchEvent(new Event("change"));
    expect(model.state.filters.items).toEqual([]);
    expect(value.getAttribute("aria-invalid")).toBe("true");
  });
});

describe("SearchBox front end", () => {
  it("highlights matches, moves with the keyboard and submits with Enter", async () => {
    const model = new FakeModel({ registry: "ULabel", text: "", value_id: null, limit: 10, placeholder: "" });
    model.handlers.search = (p) => ({
      result: { label_field: "name", results: [{ id: 4, uid: "x", label: "Experiment 1", fields: {} }, { id: 5, uid: "y", label: "Experiment 2", fields: {} }].filter(() => p.string) },
    });
    searchWidget.render({ model, el });
    const input = el.querySelector("input") as HTMLInputElement;
    input.value = "exp";
    input.dispatchEvent(new Event("input"));
    await flush(60);
    await flush(60);
    const items = el.querySelectorAll("li[role=option]");
    expect(items.length).toBe(2);
    expect(items[0].querySelector("mark")!.textContent).toBe("Exp");
    expect(items[0].getAttribute("aria-selected")).toBe("true");
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown" }));
    expect(items[1].getAttribute("aria-selected")).toBe("true");
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(model.state.value_id).toBe(5);
    expect(model.sent.at(-1)).toEqual({ kind: "lamin-event", event: "submit", id: 5 });
    expect(model.state.text).toBe("exp");
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect((el.querySelector("ul") as HTMLElement).hidden).toBe(true);
  });
});

describe("the page table", () => {
  it("reads a relation path as steps in its header, sizes as kB, and keeps a long path's end in view", () => {
    const table = pageTable({ sortable: (c) => c !== "root", onSort: () => {}, onToggle: () => {}, onOpen: () => {} });
    el.append(table.el);
    const root = `/tmp/lamin-demo-nbbv7dab/${"deep/".repeat(10)}demo-instance/test-registries`;
    const rows = [
      { id: 1, key: "raw/my_fastq.fastq.gz", size: 20, created_by__handle: "testuser1", root },
      { id: 2, key: "examples/dataset1.h5ad", size: 31672, created_by__handle: "testuser1", root: "s3://bucket" },
    ];
    table.render({ columns: ["id", "key", "size", "created_by__handle", "root"], types: ["number", "text", "number", "text", "text"], rows }, [], new Set());
    const headers = [...el.querySelectorAll<HTMLElement>("th[data-column]")];
    expect(headers.map((th) => th.textContent)).toEqual(["key", "size", "created_by → handle", "root"]);
    expect(headers.map((th) => th.dataset.column)).toEqual(["key", "size", "created_by__handle", "root"]);
    expect(headers[2].title).toBe("Sort by created_by__handle"); // the raw path, in the tooltip
    expect(headers[3].title).toBe("root");
    const cells = (id: number) => [...el.querySelectorAll<HTMLElement>(`tr[data-id="${id}"] td`)].slice(2);
    expect(cells(1).map((td) => td.textContent)).toEqual(["raw/my_fastq.fastq.gz", "20 B", "testuser1", root]);
    expect(cells(2)[1].textContent).toBe("31.7 kB");
    expect(cells(2)[1].title).toBe("31,672 bytes");
    expect(cells(1)[1].title).toBe("20 bytes");
    expect(cells(1)[1].className).toBe("lw-num");
    // the long path: ellipsized at its start (right-to-left cell, the path itself left-to-right), whole in its tooltip
    expect(cells(1)[3].className).toBe("lw-path-cell");
    expect(cells(1)[3].title).toBe(root);
    expect(cells(1)[3].querySelector("bdi")!.getAttribute("dir")).toBe("ltr");
    expect(cells(2)[3].className).toBe(""); // short: as it is
    expect(rows[1].size).toBe(31672); // the frame's values stay raw
  });
});

describe("ViewPanel front end", () => {
  it("lists registries and opens one in a browser", async () => {
    const model = new FakeModel({ limit: 7, modules: [], registry: "" });
    fakePython(model);
    const relations = [
      { name: "storage", to_many: false },
      { name: "created_by", to_many: false },
      { name: "ulabels", to_many: true },
    ];
    model.handlers.view = () => ({
      result: { modules: [{ module: "core", registries: [{ name: "Artifact", count: 3, relations, buffer: 0 }] }] },
      buffers: [ipc({ id: [3], key: ["iris.parquet"], size: [5202], storage_id: [1], _aux: ["{}"], created_by_id: [1], ontology_id: ["CL:1"], created_by__handle: ["testuser1"] })],
    });
    viewWidget.render({ model, el });
    await flush();
    expect(el.textContent).toContain("module: core");
    expect(el.textContent).toContain("iris.parquet");
    // as a browser's table: no private columns, no ids of related records, the creator by handle
    expect([...el.querySelectorAll("th")].map((th) => th.textContent)).toEqual(["id", "key", "size", "created_by → handle", "ontology_id"]);
    expect(el.querySelector("tbody")!.textContent).toContain("5.2 kB");
    (el.querySelector(".lw-regname") as HTMLButtonElement).click();
    expect(model.state.registry).toBe("Artifact");
    await flush();
    expect(el.querySelector(".lw-browser")).not.toBeNull();
    expect(model.requests("page").length).toBeGreaterThan(0);
    (el.querySelector(".lw-back") as HTMLButtonElement).click();
    await flush();
    expect(el.querySelector(".lw-browser")).toBeNull();
  });
});
