// @vitest-environment happy-dom
// Issue 22: the lineage graph of a record page (layout at the sidebar's and a widget's width, linked nodes,
// "+ k more") and the filter builder's "incl. descendants" box (the spec it writes, and back).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordDetail } from "../src/components/detail";
import { filterBuilder } from "../src/components/filter";
import { layout, lineageSvg, shortLabel, type Lineage } from "../src/components/lineage";
import { RpcClient } from "../src/rpc/client";
import { commTransport } from "../src/rpc/comm";
import { toDraft, toSpec, type FieldInfo } from "../src/spec";
import { memoryStore } from "../src/store";
import { FakeModel, flush } from "./fake";

const node = (registry: string, id: number, label: string) => ({ registry, id, uid: `u${id}`, label });
const LINEAGE: Lineage = {
  record: node("Artifact", 10, "results/umap.parquet"),
  transform: node("Transform", 2, "analysis.ipynb"),
  run: node("Run", 3, "2026-12-07 16:00"),
  inputs: { nodes: [node("Artifact", 4, "examples/dataset1.h5ad"), node("Artifact", 5, "examples/dataset2.h5ad"), node("Collection", 6, "mini immuno")], more: 4 },
  outputs: { nodes: [node("Collection", 7, "umaps")], more: 0, relation: "collections" },
};

type Rect = { x: number; y: number; w: number };
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && Math.abs(a.y - b.y) < 34;

let el: HTMLElement;
beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
});
afterEach(() => el.remove());

describe("lineage layout", () => {
  it("stacks tiers top to bottom in the sidebar and side by side in a widget, within the width, never overlapping", () => {
    for (const width of [240, 250, 400, 900]) {
      const { boxes, width: w, height, wide } = layout(LINEAGE, width);
      expect(wide).toBe(width >= 520);
      expect(boxes.map((tier) => tier.map((b) => b.kind))).toEqual([["transform", "input", "input", "input", "more"], ["run"], ["current"], ["output"]]);
      const all = boxes.flat();
      for (const b of all) {
        expect(b.x).toBeGreaterThanOrEqual(0);
        expect(b.x + b.w).toBeLessThanOrEqual(w + 0.001);
        expect(b.y + 34).toBeLessThanOrEqual(height + 0.001);
        expect(b.w).toBeGreaterThanOrEqual(100); // room for a readable label
      }
      for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlap(all[i], all[j])).toBe(false);
      expect(w).toBeLessThanOrEqual(width);
    }
  });

  it("names nodes by file name, runs by their start; a record without a run is the graph alone", () => {
    expect(shortLabel(node("Artifact", 1, "examples/dataset1.h5ad"))).toBe("dataset1.h5ad");
    expect(shortLabel(node("Run", 1, "2026-12-07 16:00"))).toBe("run 2026-12-07 16:00");
    const alone = { ...LINEAGE, transform: null, run: null, inputs: { nodes: [], more: 0 }, outputs: { nodes: [], more: 0 } };
    expect(layout(alone, 250).boxes.map((t) => t.map((b) => b.kind))).toEqual([["current"]]);
  });

  it("draws linked nodes (not the record itself), '+ k more' and an edge between consecutive tiers", () => {
    const opened: Array<[string, number]> = [];
    const svg = lineageSvg(LINEAGE, 250, (registry, id) => opened.push([registry, id]));
    const links = [...svg.querySelectorAll("a.lw-lineage-link")];
    expect(links.map((a) => `${a.getAttribute("data-registry")}:${a.getAttribute("data-id")}`)).toEqual(["Transform:2", "Artifact:4", "Artifact:5", "Collection:6", "Run:3", "Collection:7"]);
    expect(svg.querySelector(".lw-lineage-current")!.getAttribute("aria-current")).toBe("page");
    expect(svg.querySelector(".lw-lineage-more")!.textContent).toContain("+ 4 more");
    expect(svg.querySelectorAll(".lw-lineage-edge").length).toBe(5 + 1 + 1);
    links[1].dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
    expect(opened).toEqual([["Artifact", 4]]);
  });
});

describe("record page lineage", () => {
  it("asks for the lineage of artifacts, collections and runs; a node opens its record", async () => {
    const model = new FakeModel({});
    model.handlers.record = (p) => ({ result: { registry: p.registry, id: p.id, uid: `u${p.id}`, title: `${p.registry} ${p.id}`, facts: [], relations: [], all_fields: {} } });
    model.handlers.lineage = () => ({ result: LINEAGE });
    const page = recordDetail(new RpcClient(commTransport(model as any)), () => {});
    el.append(page.el);
    await page.show("Artifact", 10);
    await flush();
    expect(model.requests("lineage").map((r) => r.params)).toEqual([{ registry: "Artifact", id: 10 }]);
    const section = page.el.querySelector("[data-section=lineage]")!;
    expect(section.querySelectorAll("a.lw-lineage-link").length).toBe(6);
    section.querySelector("a[data-registry=Run]")!.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
    await flush();
    expect(model.requests("record").at(-1).params).toEqual({ registry: "Run", id: 3 });
    expect(page.el.querySelector(".lw-record-title")!.textContent).toBe("Run 3");
    await page.show("ULabel", 1);
    await flush();
    expect(page.el.querySelector("[data-section=lineage]")).toBeNull();
    expect(model.requests("lineage").length).toBe(2); // the run's, not the label's
    // a record saved outside a run: a line, no graph of itself alone
    model.handlers.lineage = () => ({ result: { ...LINEAGE, transform: null, run: null, inputs: { nodes: [], more: 0 }, outputs: { nodes: [], more: 0 } } });
    await page.show("Artifact", 11);
    await flush();
    const lone = page.el.querySelector("[data-section=lineage]")!;
    expect(lone.querySelector("svg")).toBeNull();
    expect(lone.textContent).toContain("No run recorded");
  });
});

const cellTypes: FieldInfo = {
  path: "cell_types__name",
  kind: "text",
  is_feature: false,
  to_many: true,
  target: "bionty.CellType",
  target_field: "name",
  dtype: "CharField",
  lookups: ["exact", "ne", "contains", "icontains", "startswith", "in", "isnull", "descendant_of"],
};

describe("include descendants", () => {
  it("turns = and in into descendant_of, and back", () => {
    const fields = new Map([[cellTypes.path, cellTypes]]);
    const draft = { op: "and" as const, not: false, items: [{ field: "cell_types__name", lookup: "exact", text: "T cell", descendants: true }] };
    const spec = toSpec(draft, fields);
    expect(spec.items).toEqual([{ field: "cell_types__name", lookup: "descendant_of", value: "T cell" }]);
    expect(toDraft(spec)).toEqual(draft);
    const both = { op: "and" as const, not: false, items: [{ field: "cell_types__name", lookup: "in", text: "T cell, B cell", descendants: true }] };
    expect(toSpec(both, fields).items).toEqual([{ field: "cell_types__name", lookup: "descendant_of", value: ["T cell", "B cell"] }]);
    expect(toDraft(toSpec(both, fields))).toEqual(both);
    // other operators ignore the box
    const ne = { op: "and" as const, not: false, items: [{ field: "cell_types__name", lookup: "ne", text: "T cell", descendants: true }] };
    expect(toSpec(ne, fields).items).toEqual([{ field: "cell_types__name", lookup: "ne", value: "T cell" }]);
  });

  it("shows the box next to = on ontology fields only; checking it sets the spec", async () => {
    const model = new FakeModel({});
    const schema = {
      registry: "Artifact",
      label_field: "key",
      columns: [],
      fields: [{ ...cellTypes, path: "suffix", to_many: false, target: null, lookups: ["exact", "in"] }],
      relations: [{ name: "cell_types", target: "bionty.CellType", to_many: true, label_field: "name", fields: [cellTypes] }],
      features: [],
      lookup_labels: { exact: "=", in: "in", descendant_of: "is or below" },
    };
    model.handlers.schema = () => ({ result: schema });
    model.handlers.count = () => ({ result: { count: 3 } });
    model.handlers.codegen = () => ({ result: { code: "ln.Artifact.filter(cell_types__descendant_of='T cell')", imports: [] } });
    model.handlers.lookup = () => ({ result: { field: "name", results: [] } });
    const store = memoryStore({ registry: "Artifact", filters: { op: "and", not: false, items: [{ field: "cell_types__name", lookup: "exact", value: "T cell" }] } });
    const fb = filterBuilder({ client: new RpcClient(commTransport(model as any)), store, footer: true });
    el.append(fb.el);
    await flush();
    const box = fb.el.querySelector("input.lw-descendants") as HTMLInputElement;
    expect(box).not.toBeNull();
    expect([...fb.el.querySelectorAll("select.lw-lookup option")].map((o) => o.getAttribute("value"))).not.toContain("descendant_of");
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    await flush();
    expect(store.get("filters").items).toEqual([{ field: "cell_types__name", lookup: "descendant_of", value: "T cell" }]);
    expect((fb.el.querySelector("input.lw-descendants") as HTMLInputElement).checked).toBe(true);
    const field = fb.el.querySelector("select.lw-field") as HTMLSelectElement;
    field.value = "suffix";
    field.dispatchEvent(new Event("change"));
    await flush();
    expect(fb.el.querySelector("input.lw-descendants")).toBeNull();
    fb.destroy();
  });
});
