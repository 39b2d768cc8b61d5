// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import browserWidget from "../src/widgets/browser";
import { edgeText, estimateText, rangeConditions, withConditions, type Summary } from "../src/components/summaries";
import { FakeModel, flush, ipc } from "./fake";

const field = (path: string, kind: string, dtype: string, to_many = false) => ({
  path,
  kind,
  lookups: ["exact", "gte", "lt", "in", "isnull"],
  is_feature: false,
  to_many,
  target: null,
  target_field: null,
  dtype,
});
const SCHEMA = {
  registry: "Artifact",
  code_name: "ln.Artifact",
  label_field: "key",
  columns: ["key", "suffix", "size", "_aux"],
  lookup_labels: { exact: "=", gte: "≥", lt: "<", in: "in", isnull: "is empty" },
  fields: [field("key", "text", "CharField"), field("suffix", "text", "CharField"), field("size", "number", "BigIntegerField"), field("_aux", "json", "JSONField")],
  relations: [{ name: "ulabels", target: "ULabel", to_many: true, label_field: "name", fields: [field("ulabels__name", "text", "CharField", true)] }],
  features: [],
};
const SUMMARIES: Record<string, Summary> = {
  key: { column: "key", kind: "category", to_many: false, count: 3, nulls: 0, top: [{ value: "a", count: 1 }], other: 2 },
  size: {
    column: "size",
    kind: "number",
    to_many: false,
    count: 3,
    nulls: 1,
    min: 20,
    max: 29358,
    bins: [
      { start: 0, end: 10000, count: 2 },
      { start: 10000, end: 20000, count: 0 },
      { start: 20000, end: 30000, count: 1 },
    ],
  },
  suffix: { column: "suffix", kind: "category", to_many: false, count: 4, nulls: 0, top: [{ value: ".h5ad", count: 3 }, { value: ".csv", count: 1 }], other: 0 },
};

function browserModel() {
  const model = new FakeModel({ registry: "Artifact", filters: { op: "and", not: false, items: [] }, search: "", order: [], page: 0, page_size: 20, columns: [], features: [], selected_ids: [], detail_id: null, show_registries: false });
  model.handlers.schema = () => ({ result: SCHEMA });
  model.handlers.count = () => ({ result: { count: 4 } });
  model.handlers.codegen = () => ({ result: { code: "ln.Artifact.filter()" } });
  model.handlers.page = () => ({ result: { ms: 1, offset: 0, limit: 20 }, buffers: [ipc({ id: [1], key: ["a.h5ad"], suffix: [".h5ad"], size: [20] })] });
  model.handlers.summaries = (p) => ({ result: { registry: "Artifact", count: 4, columns: p.columns.map((c: string) => SUMMARIES[c]) } });
  return model;
}

let el: HTMLElement;
beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
});
afterEach(() => el.remove());

describe("column summaries", () => {
  it("load after the page, one column per request, over the query; not for JSON columns", async () => {
    const model = browserModel();
    const cleanup = browserWidget.render({ model, el });
    await flush();
    const asked = model.requests("summaries").map((r) => r.params);
    expect(asked.map((p) => p.columns)).toEqual([["key"], ["suffix"], ["size"]]);
    expect(asked[0]).toMatchObject({ registry: "Artifact", search: "" });
    const sent = model.sent.filter((m) => m.kind === "lamin-rpc").map((m) => m.method);
    expect(sent.indexOf("page")).toBeLessThan(sent.indexOf("summaries"));
    const cells = [...el.querySelectorAll<HTMLElement>("tr.lw-summary-row th[data-summary-column]")];
    expect(cells.map((c) => c.dataset.summaryColumn)).toEqual(["key", "suffix", "size"]);
    const bars = el.querySelectorAll("[data-summary=size] rect.lw-bar");
    expect(bars.length).toBe(4); // three bins and the empty values
    expect(bars[0].querySelector("title")!.textContent).toBe("0 B – 10.0 kB: 2");
    expect(el.querySelector("[data-summary=size] .lw-summary-text")!.textContent).toBe("20 B – 29.4 kB");
    expect(el.querySelector("[data-summary=suffix] .lw-summary-text")!.textContent).toBe(".h5ad 75%");
    // every key once: no bars to click, how many there are
    expect(el.querySelectorAll("[data-summary=key] button")).toHaveLength(0);
    expect(el.querySelector("[data-summary=key] .lw-summary-text")!.textContent).toBe("3 distinct");
    cleanup();
  });

  it("a column of more distinct values than counted says how many at least, with nothing to click", async () => {
    const model = browserModel();
    const many: Summary = { column: "key", kind: "category", to_many: false, count: 999_990, nulls: 10, top: [], other: 999_990, distinct: 1000, more_distinct: true };
    model.handlers.summaries = (p) => ({ result: { registry: "Artifact", count: 1_000_000, columns: p.columns.map((c: string) => (c === "key" ? many : SUMMARIES[c])) } });
    const cleanup = browserWidget.render({ model, el });
    await flush();
    const key = el.querySelector<HTMLElement>("[data-summary=key]")!;
    expect(key.querySelector(".lw-summary-text")!.textContent).toBe("1,000+ distinct");
    expect(key.querySelector(".lw-segs")!.getAttribute("title")).toBe("more than 1,000 distinct values among 999,990: too many to show the most frequent; 10 empty");
    expect(key.querySelectorAll("button")).toHaveLength(0);
    expect(key.querySelectorAll(".lw-seg.lw-other, .lw-seg.lw-null")).toHaveLength(2); // the values, the empty ones
    expect(el.querySelector("[data-summary=suffix] .lw-summary-text")!.textContent).toBe(".h5ad 75%"); // others as before
    cleanup();
  });

  it("a click on a value filters by it, another value replaces it; a brush filters by the range", async () => {
    const model = browserModel();
    const cleanup = browserWidget.render({ model, el });
    await flush();
    const segment = (label: string) => [...el.querySelectorAll<HTMLButtonElement>("[data-summary=suffix] button")].find((b) => b.getAttribute("aria-label")?.startsWith(label))!;
    segment(".h5ad").click();
    expect(model.state.filters.items).toEqual([{ field: "suffix", lookup: "exact", value: ".h5ad" }]);
    expect(model.state.order).toEqual([]); // not a sort
    await flush();
    expect(model.requests("summaries").at(-1).params.filters.items).toHaveLength(1); // refreshed over the filter
    segment(".csv").click();
    expect(model.state.filters.items).toEqual([{ field: "suffix", lookup: "exact", value: ".csv" }]);
    await flush();
    const chart = el.querySelector<SVGElement>("[data-summary=size] svg")!;
    chart.dispatchEvent(new PointerEvent("pointerdown", { clientX: 0, button: 0, bubbles: true }));
    chart.dispatchEvent(new PointerEvent("pointerup", { clientX: 0, bubbles: true }));
    expect(model.state.filters.items).toEqual([
      { field: "suffix", lookup: "exact", value: ".csv" },
      { field: "size", lookup: "gte", value: 0 },
      { field: "size", lookup: "lt", value: 10000 },
    ]);
    cleanup();
  });
});

describe("summary loads", () => {
  it("a new filter cancels the summaries still loading", async () => {
    const model = browserModel();
    model.handlers.summaries = (p) => new Promise((resolve) => setTimeout(() => resolve({ result: { registry: "Artifact", count: 4, columns: p.columns.map((c: string) => SUMMARIES[c]) } }), 150));
    const cleanup = browserWidget.render({ model, el });
    await flush();
    expect(model.requests("summaries")).toHaveLength(2); // two at a time
    model.set("filters", { op: "and", not: false, items: [{ field: "suffix", lookup: "exact", value: ".csv" }] });
    const cancels = model.sent.filter((m) => m.kind === "lamin-cancel");
    expect(cancels.length).toBeGreaterThanOrEqual(2);
    await flush(100);
    await flush(100);
    const last = model.requests("summaries").slice(-3).map((r) => r.params);
    expect(last.map((p) => p.columns[0])).toEqual(["key", "suffix", "size"]);
    expect(last.every((p) => p.filters.items.length === 1)).toBe(true);
    expect(el.querySelector("[data-summary=size] .lw-summary-text")!.textContent).toBe("20 B – 29.4 kB");
    cleanup();
  });
});

describe("estimated summaries", () => {
  const labels = (exact: boolean): Summary => ({
    column: "ulabels__name",
    kind: "category",
    to_many: true,
    count: 1_000_000,
    nulls: 0,
    top: exact ? [{ value: "label 4", count: 43_922 }, { value: "label 37", count: 43_833 }] : [{ value: "label 17", count: 48_137 }, { value: "label 15", count: 46_762 }],
    other: null,
    exact,
    ...(exact ? {} : { sampled: 7_996 }),
  });
  const estimating = () => {
    const model = browserModel();
    model.set("columns", ["key", "ulabels__name"]);
    model.handlers.page = () => ({ result: { ms: 1, offset: 0, limit: 20 }, buffers: [ipc({ id: [1], key: ["a.h5ad"], ulabels__name: ["label 4"] })] });
    let release = () => {};
    const exactAnswer = new Promise<void>((resolve) => (release = resolve));
    let failExact = false;
    model.handlers.summaries = async (p) => {
      const column = p.columns[0];
      if (column !== "ulabels__name") return { result: { registry: "Artifact", count: 1_000_000, columns: [SUMMARIES[column]] } };
      if (p.exact) {
        await exactAnswer;
        if (failExact) throw new Error("the query took longer than the request time limit");
      }
      return { result: { registry: "Artifact", count: 1_000_000, columns: [labels(Boolean(p.exact))] } };
    };
    return { model, release, fail: () => (failExact = true) };
  };
  const cell = () => el.querySelector<HTMLElement>("[data-summary=ulabels__name]")!;

  it("show an estimate first, said to be one, then the exact counts asked for after every column", async () => {
    const { model } = estimating();
    const cleanup = browserWidget.render({ model, el });
    await flush();
    const asked = model.requests("summaries").map((r) => [r.params.columns[0], r.params.exact]);
    expect(asked).toEqual([["key", false], ["ulabels__name", false], ["ulabels__name", true]]);
    expect(cell().classList.contains("lw-approx")).toBe(true);
    expect(cell().querySelector(".lw-summary-text")!.textContent).toBe("≈ label 17 5%");
    expect(cell().title).toBe("estimated from 7,996 of 1,000,000 records (a sample spread over them); counting every record…");
    const first = cell().querySelector("button")!;
    expect(first.getAttribute("aria-label")).toBe("label 17: ≈ 48,000");
    expect(el.querySelector(".lw-browser")!.getAttribute("data-summarized")).toBeNull(); // not done yet
    first.click(); // an estimate's value still filters by it
    expect(model.state.filters.items).toEqual([{ field: "ulabels__name", lookup: "exact", value: "label 17" }]);
    cleanup();
  });

  it("the exact counts replace the estimate", async () => {
    const { model, release } = estimating();
    const cleanup = browserWidget.render({ model, el });
    await flush();
    release();
    await flush();
    expect(cell().classList.contains("lw-approx")).toBe(false);
    expect(cell().hasAttribute("title")).toBe(false);
    expect(cell().querySelector(".lw-summary-text")!.textContent).toBe("label 4 4%");
    expect(cell().querySelector("button")!.getAttribute("aria-label")).toBe("label 4: 43,922");
    expect(el.querySelector(".lw-browser")!.getAttribute("data-summarized")).toBe("1");
    expect(model.requests("summaries")).toHaveLength(3);
    cleanup();
  });

  it("an estimate whose exact counts fail stays an estimate and says why", async () => {
    const { model, release, fail } = estimating();
    fail();
    const cleanup = browserWidget.render({ model, el });
    await flush();
    release();
    await flush();
    expect(cell().classList.contains("lw-approx")).toBe(true);
    expect(cell().querySelector(".lw-summary-text")!.textContent).toBe("≈ label 17 5%");
    expect(cell().title).toBe("estimated from 7,996 of 1,000,000 records (a sample spread over them); no exact counts: the query took longer than the request time limit");
    cleanup();
  });

  it("an estimated count reads with two significant digits", () => {
    expect([48_137, 9_717, 199_462, 87, 0].map(estimateText)).toEqual(["≈ 48,000", "≈ 9,700", "≈ 200,000", "≈ 87", "≈ 0"]);
  });
});

describe("summary conditions", () => {
  const bins = SUMMARIES.size.bins!;
  it("a range of bins is gte its first start and lt its last end, either way dragged", () => {
    expect(rangeConditions("size", bins, 2, 0)).toEqual([
      { field: "size", lookup: "gte", value: 0 },
      { field: "size", lookup: "lt", value: 30000 },
    ]);
  });

  it("replaces the column's conditions at the top, keeps the rest, and-s an or-group whole", () => {
    const spec = { op: "and" as const, not: false, items: [{ field: "size", lookup: "gte", value: 5 }, { field: "size", lookup: "exact", value: 7 }, { field: "key", lookup: "exact", value: "k" }] };
    const next = withConditions(spec, "size", new Set(["gte", "lt"]), rangeConditions("size", bins, 0, 0));
    expect(next.items).toEqual([spec.items[1], spec.items[2], { field: "size", lookup: "gte", value: 0 }, { field: "size", lookup: "lt", value: 10000 }]);
    const or = { op: "or" as const, not: false, items: [spec.items[2]] };
    expect(withConditions(or, "key", new Set(["exact"]), [{ field: "key", lookup: "exact", value: "x" }])).toEqual({ op: "and", not: false, items: [or, { field: "key", lookup: "exact", value: "x" }] });
    expect(withConditions(null, "key", new Set(["exact"]), []).items).toEqual([]);
  });

  it("reads dates as days when the bins are days or longer, else with the time", () => {
    const days: Summary = { column: "created_at", kind: "datetime", to_many: false, count: 1, nulls: 0, width_seconds: 86400 };
    expect(edgeText(days, "2025-01-02T00:00:00+00:00")).toBe("2025-01-02");
    expect(edgeText({ ...days, width_seconds: 3600 }, "2025-01-02T05:00:00+00:00")).toBe("2025-01-02 05:00");
    expect(edgeText({ ...days, column: "n_files", kind: "number" }, 1234567)).toBe("1.2M");
  });
});
