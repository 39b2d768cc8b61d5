// The filter spec (docs/architecture.md, "The filter spec") on the front end: drafts the user edits, and the complete spec sent to Python.

export interface Condition {
  field: string;
  lookup: string;
  value: unknown;
}

export interface Group {
  op: "and" | "or";
  not: boolean;
  items: Array<Group | Condition>;
}

/** What the schema says about a field (Python's FieldInfo.as_dict). */
export interface FieldInfo {
  path: string;
  kind: string;
  is_feature: boolean;
  to_many: boolean;
  target: string | null;
  target_field: string | null;
  dtype: string | null;
  lookups: string[];
}

export interface DraftCondition {
  field: string;
  lookup: string;
  text: string; // what the user typed
  descendants?: boolean; // "include descendants": `=` or `in` becomes `descendant_of` (ontology terms)
}

/** The lookup that "include descendants" turns `=` and `in` into (lamin_widgets/protocol/filterspec.py). */
export const DESCENDANT_OF = "descendant_of";

/** Whether a draft condition can include descendants: its field offers it and its lookup is `=` or `in`. */
export function canIncludeDescendants(info: FieldInfo | undefined, lookup: string): boolean {
  return !!info && info.lookups.includes(DESCENDANT_OF) && (lookup === "exact" || lookup === "in");
}

export interface DraftGroup {
  op: "and" | "or";
  not: boolean;
  items: Array<DraftGroup | DraftCondition>;
}

export const emptyGroup = (): Group => ({ op: "and", not: false, items: [] });
export const emptyDraft = (): DraftGroup => ({ op: "and", not: false, items: [] });

export function isGroup(node: unknown): node is Group | DraftGroup {
  return !!node && typeof node === "object" && Array.isArray((node as Group).items);
}

const NUMERIC = new Set(["number", "feature_number"]);
const BOOLEAN = new Set(["bool", "feature_bool"]);

function scalar(kind: string, text: string): { ok: boolean; value?: unknown } {
  const trimmed = text.trim();
  if (NUMERIC.has(kind)) {
    if (trimmed === "") return { ok: false };
    const n = Number(trimmed);
    return Number.isFinite(n) ? { ok: true, value: n } : { ok: false };
  }
  if (BOOLEAN.has(kind)) {
    if (trimmed === "true") return { ok: true, value: true };
    if (trimmed === "false") return { ok: true, value: false };
    return { ok: false };
  }
  if (kind === "datetime") return trimmed ? { ok: true, value: trimmed } : { ok: false };
  return text === "" ? { ok: false } : { ok: true, value: text };
}

/** The typed value of a draft condition, or `{ok: false}` while it is incomplete or not of the right type. */
export function parseValue(info: FieldInfo | undefined, lookup: string, text: string): { ok: boolean; value?: unknown } {
  if (!info) return { ok: false };
  if (lookup === "isnull") {
    if (text === "" || text === "true") return { ok: true, value: true };
    if (text === "false") return { ok: true, value: false };
    return { ok: false };
  }
  if (lookup === "in") {
    const parts = text
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "");
    if (!parts.length) return { ok: false };
    const values = parts.map((p) => scalar(info.kind, p));
    return values.every((v) => v.ok) ? { ok: true, value: values.map((v) => v.value) } : { ok: false };
  }
  return scalar(info.kind, text);
}

/** The spec of the complete conditions of a draft (incomplete ones and empty groups are left out). */
export function toSpec(draft: DraftGroup, fields: Map<string, FieldInfo>): Group {
  const items: Array<Group | Condition> = [];
  for (const item of draft.items) {
    if (isGroup(item)) {
      const group = toSpec(item as DraftGroup, fields);
      if (group.items.length) items.push(group);
      continue;
    }
    const condition = item as DraftCondition;
    const info = fields.get(condition.field);
    if (!info || !info.lookups.includes(condition.lookup)) continue;
    const parsed = parseValue(info, condition.lookup, condition.text);
    const lookup = condition.descendants && canIncludeDescendants(info, condition.lookup) ? DESCENDANT_OF : condition.lookup;
    if (parsed.ok) items.push({ field: condition.field, lookup, value: parsed.value });
  }
  return { op: draft.op, not: draft.not, items };
}

function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.map(valueText).join(", ");
  if (value === null || value === undefined) return "";
  return String(value);
}

/** A draft showing a spec (set from Python, or restored). */
export function toDraft(spec: Group | null | undefined): DraftGroup {
  if (!spec || !Array.isArray(spec.items)) return emptyDraft();
  return {
    op: spec.op === "or" ? "or" : "and",
    not: !!spec.not,
    items: spec.items.map((item) => {
      if (isGroup(item)) return toDraft(item as Group);
      const { field, lookup, value } = item as Condition;
      if (lookup === DESCENDANT_OF) return { field, lookup: Array.isArray(value) ? "in" : "exact", text: valueText(value), descendants: true };
      return { field, lookup: lookup ?? "exact", text: valueText(value) };
    }),
  };
}

export function sameSpec(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function countConditions(spec: Group | DraftGroup): number {
  return spec.items.reduce((n, item) => n + (isGroup(item) ? countConditions(item as Group) : 1), 0);
}
