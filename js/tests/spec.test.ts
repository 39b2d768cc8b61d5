import { describe, expect, it } from "vitest";
import { countConditions, parseValue, sameSpec, toDraft, toSpec, type FieldInfo } from "../src/spec";

const info = (path: string, kind: string, lookups: string[]): FieldInfo => ({
  path,
  kind,
  lookups,
  is_feature: false,
  to_many: false,
  target: null,
  target_field: null,
  dtype: null,
});
const fields = new Map([
  ["suffix", info("suffix", "text", ["exact", "ne", "contains", "in", "isnull"])],
  ["size", info("size", "number", ["exact", "gt", "in", "isnull"])],
  ["is_latest", info("is_latest", "bool", ["exact", "ne"])],
  ["perturbation", info("perturbation", "label", ["exact", "in"])],
]);

describe("parseValue", () => {
  it("types values by kind", () => {
    expect(parseValue(fields.get("size"), "gt", "10.5")).toEqual({ ok: true, value: 10.5 });
    expect(parseValue(fields.get("size"), "gt", "ten").ok).toBe(false);
    expect(parseValue(fields.get("size"), "gt", "").ok).toBe(false);
    expect(parseValue(fields.get("suffix"), "exact", ".h5ad")).toEqual({ ok: true, value: ".h5ad" });
    expect(parseValue(fields.get("is_latest"), "exact", "false")).toEqual({ ok: true, value: false });
    expect(parseValue(fields.get("suffix"), "isnull", "")).toEqual({ ok: true, value: true });
  });
  it("splits lists for 'in' and types every element", () => {
    expect(parseValue(fields.get("size"), "in", "1, 2,3")).toEqual({ ok: true, value: [1, 2, 3] });
    expect(parseValue(fields.get("size"), "in", "1, x").ok).toBe(false);
    expect(parseValue(fields.get("perturbation"), "in", "DMSO, IFNG")).toEqual({ ok: true, value: ["DMSO", "IFNG"] });
  });
  it("keeps text that looks like code as text", () => {
    const hostile = "'); import os; os.system('x')#";
    expect(parseValue(fields.get("suffix"), "exact", hostile)).toEqual({ ok: true, value: hostile });
  });
});

describe("toSpec / toDraft", () => {
  it("sends only complete conditions and non-empty groups", () => {
    const draft = {
      op: "and" as const,
      not: false,
      items: [
        { field: "suffix", lookup: "exact", text: ".h5ad" },
        { field: "size", lookup: "gt", text: "" },
        { field: "unknown", lookup: "exact", text: "x" },
        { field: "suffix", lookup: "gt", text: "x" },
        { op: "or" as const, not: true, items: [{ field: "perturbation", lookup: "exact", text: "DMSO" }] },
        { op: "or" as const, not: false, items: [] },
      ],
    };
    expect(toSpec(draft, fields)).toEqual({
      op: "and",
      not: false,
      items: [
        { field: "suffix", lookup: "exact", value: ".h5ad" },
        { op: "or", not: true, items: [{ field: "perturbation", lookup: "exact", value: "DMSO" }] },
      ],
    });
  });
  it("round-trips a spec set from Python", () => {
    const spec = {
      op: "or" as const,
      not: false,
      items: [
        { field: "size", lookup: "in", value: [1, 2] },
        { op: "and" as const, not: true, items: [{ field: "suffix", lookup: "exact", value: ".jpg" }] },
      ],
    };
    expect(sameSpec(toSpec(toDraft(spec), fields), spec)).toBe(true);
    expect(countConditions(spec)).toBe(2);
    expect(toDraft(null)).toEqual({ op: "and", not: false, items: [] });
  });
});
