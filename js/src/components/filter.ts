// The filter builder: AND/OR groups, negation, conditions on fields, relations and features with the lookups
// that fit their type, value autocomplete for labels and related records; edits a draft, syncs the complete
// spec (store key "filters"), and can show the live count and the equivalent Python.
import type { RpcClient } from "../rpc/client";
import {
  canIncludeDescendants,
  DESCENDANT_OF,
  emptyDraft,
  isGroup,
  sameSpec,
  toDraft,
  toSpec,
  type DraftCondition,
  type DraftGroup,
  type FieldInfo,
} from "../spec";
import type { Store } from "../store";
import { clear, h, option } from "../ui/dom";
import { debounce, plural } from "../ui/format";
import { errorBar } from "./status";

export interface Schema {
  registry: string;
  label_field: string | null;
  columns: string[];
  fields: FieldInfo[];
  relations: Array<{ name: string; target: string; to_many: boolean; label_field: string | null; fields: FieldInfo[] }>;
  features: FieldInfo[];
  lookup_labels: Record<string, string>;
}

/** Every filterable path of a schema (fields, relation fields, features). */
export function fieldMap(schema: Schema): Map<string, FieldInfo> {
  const map = new Map<string, FieldInfo>();
  for (const f of schema.fields) map.set(f.path, f);
  for (const r of schema.relations) for (const f of r.fields) map.set(f.path, f);
  for (const f of schema.features) map.set(f.path, f);
  return map;
}

/** The info of a path, including keys of dict features (`study_metadata__detail1`). */
export function infoFor(schema: Schema, fields: Map<string, FieldInfo>, path: string): FieldInfo | undefined {
  const found = fields.get(path);
  if (found) return found.kind === "dict" ? undefined : found;
  const dict = schema.features.find((f) => f.kind === "dict" && path.startsWith(`${f.path}__`) && path.length > f.path.length + 2);
  if (!dict) return undefined;
  return { ...dict, path, kind: "feature_text", lookups: ["exact", "ne", "in"] };
}

export interface FilterBuilderOptions {
  client: RpcClient;
  store: Store;
  footer: boolean; // live count and code
}

let datalists = 0;

export function filterBuilder({ client, store, footer }: FilterBuilderOptions) {
  const el = h("div", { class: "lw-filter" });
  const tree = h("div");
  const errors = errorBar();
  const countEl = h("span", { class: "lw-muted lw-count" });
  const codeEl = h("pre", { class: "lw-code lw-filter-code" });
  const foot = h("div", { class: "lw-bar" }, countEl, codeEl);
  el.append(tree, errors.el);
  if (footer) el.append(foot);

  let schema: Schema | null = null;
  let fields = new Map<string, FieldInfo>();
  let draft: DraftGroup = emptyDraft();
  let registry = "";

  const commit = () => {
    if (!schema) return;
    const spec = toSpec(draft, new Map([...draft_infos()]));
    if (!sameSpec(spec, store.get("filters"))) store.set({ filters: spec });
    else if (footer) refreshFooter();
  };
  const commitSoon = debounce(commit, 300);

  function* draft_infos(node: DraftGroup = draft): Generator<[string, FieldInfo]> {
    for (const item of node.items) {
      if (isGroup(item)) yield* draft_infos(item as DraftGroup);
      else {
        const info = schema && infoFor(schema, fields, (item as DraftCondition).field);
        if (info) yield [info.path, info];
      }
    }
  }

  async function refreshFooter() {
    if (!footer) return;
    const params = { registry: store.get("registry"), filters: store.get("filters") };
    countEl.classList.add("lw-busy");
    try {
      const [count, code] = await Promise.all([
        client.latest("fb-count", "count", params),
        client.latest("fb-code", "codegen", params),
      ]);
      countEl.textContent = plural(count.result.count, "record");
      codeEl.textContent = code.result.code;
      errors.clear();
    } catch (error) {
      errors.show(error);
    } finally {
      countEl.classList.remove("lw-busy");
    }
  }

  function fieldSelect(condition: DraftCondition, onChange: () => void): HTMLElement {
    const select = h("select", { "aria-label": "Field", class: "lw-field" });
    select.append(option("", "field…"));
    const dictFeature = schema!.features.find((f) => f.kind === "dict" && condition.field.startsWith(`${f.path}__`));
    const current = dictFeature ? dictFeature.path : condition.field;
    const own = h("optgroup", { label: "Fields" });
    for (const f of schema!.fields) own.append(option(f.path, f.path, f.path === current));
    select.append(own);
    if (schema!.features.length) {
      const group = h("optgroup", { label: "Features" });
      for (const f of schema!.features) group.append(option(f.path, `${f.path} (${f.dtype})`, f.path === current));
      select.append(group);
    }
    for (const relation of schema!.relations) {
      const texts = relation.fields.filter((f) => f.kind === "text");
      if (!texts.length) continue;
      const group = h("optgroup", { label: `${relation.name} → ${relation.target}` });
      for (const f of texts) group.append(option(f.path, f.path.replace("__", "."), f.path === current));
      select.append(group);
    }
    select.addEventListener("change", () => {
      condition.field = select.value;
      const info = infoFor(schema!, fields, condition.field);
      if (info && !info.lookups.includes(condition.lookup)) condition.lookup = info.lookups[0];
      onChange();
    });
    return select;
  }

  function valueInput(condition: DraftCondition, info: FieldInfo | undefined): HTMLElement {
    if (condition.lookup === "isnull" || (info && (info.kind === "bool" || info.kind === "feature_bool") && condition.lookup !== "in")) {
      const select = h("select", { "aria-label": "Value", class: "lw-value" });
      const labels = condition.lookup === "isnull" ? ["true", "false"] : ["true", "false"];
      if (!condition.text) condition.text = "true";
      for (const v of labels) select.append(option(v, condition.lookup === "isnull" ? (v === "true" ? "yes" : "no") : v, condition.text === v));
      select.addEventListener("change", () => {
        condition.text = select.value;
        commit();
      });
      return select;
    }
    const numeric = info && (info.kind === "number" || info.kind === "feature_number");
    const placeholder =
      condition.lookup === "in" ? "a, b, c" : info?.kind === "datetime" ? "2025-05-08" : numeric ? "number" : "value";
    const input = h("input", {
      class: "lw-value",
      type: "text",
      "aria-label": "Value",
      placeholder,
      value: condition.text,
      inputMode: numeric ? "decimal" : "text",
    });
    if (info?.target) {
      const listId = `lw-datalist-${++datalists}`;
      const list = h("datalist", { id: listId });
      input.setAttribute("list", listId);
      const suggest = debounce(async () => {
        try {
          const text = condition.lookup === "in" ? input.value.split(",").pop()!.trim() : input.value;
          const reply = await client.latest(`ac-${listId}`, "lookup", {
            registry: info.target!,
            field: info.target_field ?? undefined,
            prefix: text,
            limit: 20,
          });
          clear(list);
          for (const r of reply.result.results) list.append(h("option", { value: String(r.value) }));
        } catch (error) {
          errors.show(error);
        }
      }, 150);
      input.addEventListener("input", suggest);
      input.addEventListener("focus", suggest);
      const wrap = h("span", {}, input, list);
      input.addEventListener("input", () => {
        condition.text = input.value;
        commitSoon();
      });
      input.addEventListener("change", () => {
      condition.text = input.value;
      commit();
    });
      return wrap;
    }
    input.addEventListener("input", () => {
      condition.text = input.value;
      input.setAttribute("aria-invalid", String(!!condition.text && !validFor(condition)));
      commitSoon();
    });
    input.addEventListener("change", () => {
      condition.text = input.value;
      commit();
    });
    return input;
  }

  function descendantsBox(condition: DraftCondition, info: FieldInfo): HTMLElement {
    const box = h("input", { type: "checkbox", checked: !!condition.descendants, class: "lw-descendants" });
    box.addEventListener("change", () => {
      condition.descendants = box.checked;
      commit();
    });
    const what = info.target ? info.target.replace(/^bionty\./, "") : "term";
    return h("label", { class: "lw-descendants-label", title: `Also match every ${what} below the one given (its descendants in the ontology)` }, box, " incl. descendants");
  }

  function validFor(condition: DraftCondition): boolean {
    const info = infoFor(schema!, fields, condition.field);
    if (!info) return false;
    return toSpec({ op: "and", not: false, items: [condition] }, new Map([[info.path, info]])).items.length === 1;
  }

  function renderCondition(condition: DraftCondition, parent: DraftGroup): HTMLElement {
    const row = h("div", { class: "lw-cond", role: "group", "aria-label": "Condition" });
    const info = infoFor(schema!, fields, condition.field);
    row.append(fieldSelect(condition, render));
    const dictFeature = schema!.features.find(
      (f) => f.kind === "dict" && (condition.field === f.path || condition.field.startsWith(`${f.path}__`)),
    );
    if (dictFeature) {
      const key = h("input", {
        class: "lw-key",
        type: "text",
        "aria-label": "Key",
        placeholder: "key",
        value: condition.field.slice(dictFeature.path.length + 2),
      });
      key.addEventListener("change", () => {
        condition.field = key.value.trim() ? `${dictFeature.path}__${key.value.trim()}` : dictFeature.path;
        if (!["exact", "ne", "in"].includes(condition.lookup)) condition.lookup = "exact";
        render();
      });
      row.append(key);
    }
    // descendant_of is not an operator of its own: the "incl. descendants" box next to `=` and `in`
    const lookups = (info?.lookups ?? (dictFeature ? ["exact", "ne", "in"] : [])).filter((l) => l !== DESCENDANT_OF);
    const lookup = h("select", { "aria-label": "Operator", class: "lw-lookup", disabled: !lookups.length });
    for (const l of lookups) lookup.append(option(l, schema!.lookup_labels[l] ?? l, l === condition.lookup));
    lookup.addEventListener("change", () => {
      condition.lookup = lookup.value;
      render();
      commit();
    });
    row.append(lookup, valueInput(condition, info));
    if (canIncludeDescendants(info, condition.lookup)) row.append(descendantsBox(condition, info!));
    row.append(
      h(
        "button",
        {
          type: "button",
          title: "Remove condition",
          "aria-label": "Remove condition",
          onclick: () => {
            parent.items.splice(parent.items.indexOf(condition), 1);
            render();
            commit();
          },
        },
        "×",
      ),
    );
    return row;
  }

  function renderGroup(group: DraftGroup, parent: DraftGroup | null): HTMLElement {
    const box = h("div", { class: "lw-group", role: "group", "aria-label": parent ? "Group" : "Filters" });
    const op = h("select", { "aria-label": "Combine with", class: "lw-op" }, option("and", "all of (AND)", group.op === "and"), option("or", "any of (OR)", group.op === "or"));
    op.addEventListener("change", () => {
      group.op = op.value === "or" ? "or" : "and";
      commit();
    });
    const not = h("input", { type: "checkbox", checked: group.not, "aria-label": "Negate group" });
    not.addEventListener("change", () => {
      group.not = not.checked;
      commit();
    });
    const head = h(
      "div",
      { class: "lw-bar" },
      h("label", {}, not, " not"),
      op,
      h("button", {
        type: "button",
        class: "lw-add-cond",
        onclick: () => {
          const first = schema!.fields.find((f) => f.kind === "text") ?? schema!.fields[0];
          group.items.push({ field: first?.path ?? "", lookup: first?.lookups[0] ?? "exact", text: "" });
          render();
          const selects = tree.querySelectorAll<HTMLSelectElement>("select.lw-field");
          selects[selects.length - 1]?.focus();
        },
      }, "+ condition"),
      h("button", {
        type: "button",
        class: "lw-add-group",
        onclick: () => {
          group.items.push({ op: group.op === "and" ? "or" : "and", not: false, items: [] });
          render();
        },
      }, "+ group"),
      parent &&
        h("button", {
          type: "button",
          title: "Remove group",
          "aria-label": "Remove group",
          onclick: () => {
            parent.items.splice(parent.items.indexOf(group), 1);
            render();
            commit();
          },
        }, "×"),
    );
    box.append(head);
    for (const item of group.items) {
      box.append(isGroup(item) ? renderGroup(item as DraftGroup, group) : renderCondition(item as DraftCondition, group));
    }
    return box;
  }

  function render() {
    clear(tree);
    if (!schema) {
      tree.append(h("span", { class: "lw-muted" }, "loading fields…"));
      return;
    }
    tree.append(renderGroup(draft, null));
  }

  async function load() {
    registry = store.get("registry");
    schema = null;
    render();
    try {
      const loaded: Schema = await client.schema(registry);
      if (registry !== store.get("registry")) return;
      schema = loaded;
      fields = fieldMap(loaded);
      draft = toDraft(store.get("filters"));
      errors.clear();
      render();
      refreshFooter();
    } catch (error) {
      errors.show(error);
    }
  }

  const offs = [
    store.on("registry", load),
    store.on("filters", () => {
      if (schema && !sameSpec(toSpec(draft, new Map([...draft_infos()])), store.get("filters"))) {
        draft = toDraft(store.get("filters"));
        render();
      }
      refreshFooter();
    }),
  ];
  load();
  return {
    el,
    destroy() {
      commitSoon.cancel();
      offs.forEach((off) => off());
    },
  };
}
