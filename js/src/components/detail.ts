// A record page (the sidebar and RegistryBrowser): title, description, the facts that matter (size,
// created by/at, versions, the storage path with a copy button), features with their values and ontology
// terms, labels, schema slots, the run and transform that made it, other related records; private and id
// fields behind "All fields". Links open the related record on the same page; Back (or Escape) returns.
import type { RpcClient } from "../rpc/client";
import { isAbort } from "../rpc/types";
import { clear, h } from "../ui/dom";
import { exactBytes, formatValue, fullDate, humanSize, plural, relativeDate } from "../ui/format";
import { icon } from "../ui/icons";
import { previewArea } from "./preview";
import { lineageSection } from "./lineage";

interface Item {
  registry: string;
  id: number;
  label: string;
  ontology_id?: string;
}

interface Relation {
  name: string;
  registry: string;
  items: Item[];
  more: number;
  is_label: boolean;
}

/** Relations shown in their own sections (or as facts), not under "Related". */
const OWN_SECTION = new Set(["created_by", "run", "storage", "feature_sets", "schema", "space", "collections"]);

const FACT_LABELS: Record<string, string> = {
  suffix: "suffix",
  size: "size",
  kind: "kind",
  otype: "type",
  n_observations: "observations",
  n_files: "files",
  version: "version",
  created_at: "created",
  updated_at: "updated",
  created_by: "created by",
};

function words(name: string): string {
  return name.replace(/_/g, " ");
}

/** What a schema's members are, as a plain word: "Feature" → feature, "bionty.Gene.ensembl_gene_id" → gene. */
function memberWord(itype: string | null | undefined): string {
  if (!itype) return "feature";
  const parts = itype.split(".");
  const registry = parts[0] === "bionty" && parts.length > 1 ? parts[1] : parts[0];
  return registry.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

export function recordDetail(client: RpcClient, onClose: () => void) {
  const el = h("section", { class: "lw-detail lw-record", hidden: true, "aria-label": "Record", tabIndex: -1 });
  const stack: Array<{ registry: string; id: number }> = [];

  function link(item: Item): HTMLElement {
    const a = h("a", { href: "#", class: "lw-link", "data-registry": item.registry, "data-id": String(item.id), title: `Open ${item.registry} ${item.label}` }, item.label);
    a.addEventListener("click", (e) => {
      e.preventDefault();
      open(item.registry, item.id);
    });
    const parts: Array<HTMLElement> = [a];
    if (item.ontology_id) parts.push(h("span", { class: "lw-muted lw-ontology" }, item.ontology_id));
    return h("span", { class: "lw-ref" }, ...parts);
  }

  function links(items: Item[], more: number): HTMLElement {
    const span = h("span", { class: "lw-links" });
    // a label linked under two features (cell_type_by_expert, cell_type_by_model) is listed once
    const seen = new Set<string>();
    for (const item of items) {
      const key = `${item.registry}:${item.id}`;
      if (!seen.has(key)) span.append(link(item));
      seen.add(key);
    }
    if (more > 0) span.append(h("span", { class: "lw-muted lw-more" }, `… and ${more.toLocaleString("en-US")} more`));
    return span;
  }

  function section(title: string, ...content: Array<HTMLElement | null>): HTMLElement | null {
    const shown = content.filter(Boolean) as HTMLElement[];
    if (!shown.length) return null;
    return h("div", { class: "lw-section", "data-section": title.toLowerCase() }, h("h4", {}, title), ...shown);
  }

  function definitions(entries: Array<[string, Node | string]>, className = ""): HTMLElement | null {
    if (!entries.length) return null;
    const dl = h("dl", { class: className });
    for (const [key, value] of entries) dl.append(h("dt", {}, key), h("dd", {}, value));
    return dl;
  }

  function fact(f: { name: string; value: unknown; detail?: string; link?: { registry: string; id: number } }): [string, Node | string] {
    const label = FACT_LABELS[f.name] ?? words(f.name);
    if (f.name === "size") return [label, h("span", { title: exactBytes(f.value) }, humanSize(f.value))];
    if (f.name.endsWith("_at")) {
      // "4 min ago · 2026-12-07": a narrow page wraps between the two, never inside the date
      return [label, h("span", { title: fullDate(f.value) }, h("span", { class: "lw-nowrap" }, `${relativeDate(f.value)} ·`), " ", h("span", { class: "lw-nowrap" }, fullDate(f.value).slice(0, 10)))];
    }
    if (f.link) return [label, link({ registry: f.link.registry, id: f.link.id, label: String(f.value) + (f.detail ? ` (${f.detail})` : "") })];
    return [label, formatValue(f.value)];
  }

  function pathLine(path: string): HTMLElement {
    const copy = h("button", { type: "button", class: "lw-icon-button lw-copy-path", title: "Copy the path", "aria-label": "Copy the path" }, icon("copy"));
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(path);
        copy.title = "Copied";
      } catch {
        copy.title = "Copying is not allowed here: select the path";
      }
      copy.dataset.copied = "true";
    });
    // ellipsized at its start, so that the file name stays in view (the path itself runs left to right)
    return h("div", { class: "lw-path" }, h("code", { class: "lw-ellipsis", title: path }, h("bdi", { dir: "ltr" }, path)), copy);
  }

  function render(result: any): void {
    clear(el);
    const back = h("button", { type: "button", class: "lw-icon-button lw-back-record", title: stack.length > 1 ? "Back (Escape)" : "Back to the list (Escape)", "aria-label": "Back" }, icon("back"));
    back.addEventListener("click", goBack);
    // a path-like title breaks after its slashes ("examples/" above "dataset1.h5ad"), not inside a name
    const title = h("h3", { class: "lw-record-title", title: result.title });
    const parts = String(result.title).split("/");
    parts.forEach((part, i) => title.append(...(i < parts.length - 1 ? [`${part}/`, h("wbr")] : [part])));
    el.append(h("div", { class: "lw-record-head" }, back, h("div", { class: "lw-grow0" }, h("div", { class: "lw-muted lw-record-registry" }, `${result.registry} · ${result.uid ?? `id ${result.id}`}`), title)));
    if (result.description && result.description !== result.title) el.append(h("p", { class: "lw-description" }, result.description));

    const facts: Array<[string, Node | string]> = (result.facts ?? []).map(fact);
    const versions = result.versions;
    if (versions) {
      const others = h("span", { class: "lw-links lw-versions" });
      for (const v of versions.items) {
        const text = `${v.version ?? "?"}${v.is_latest ? " (latest)" : ""}`;
        others.append(v.current ? h("b", { "aria-current": "page" }, text) : link({ ...v, label: text }));
      }
      if (versions.more) others.append(h("span", { class: "lw-muted" }, `… and ${versions.more} more`));
      facts.push(["versions", others]);
    }
    el.append(definitions(facts, "lw-facts") ?? "");
    if (result.path) el.append(pathLine(result.path));
    if (result.registry === "Artifact") el.append(previewArea(client, result.id, result.title));

    // features: name, then the values (labels as links, with their ontology ids)
    const features = (result.feature_values ?? []).map((f: any) => {
      const values = f.values.some((v: any) => v.registry) ? links(f.values, f.more) : h("span", {}, f.values.map((v: any) => v.label).join(", "));
      return [f.name, values] as [string, Node];
    });
    const relations: Relation[] = result.relations ?? [];
    const labels = relations.filter((r) => r.is_label);
    const collections = relations.filter((r) => r.name === "collections");
    const related = relations.filter((r) => !r.is_label && !OWN_SECTION.has(r.name));
    const slots = (result.slots ?? []).map((s: any) => [s.slot, h("span", {}, link(s.schema), s.n ? h("span", { class: "lw-muted", title: s.itype ?? "" }, ` ${plural(s.n, memberWord(s.itype))}`) : "")] as [string, Node]);
    const provenance: Array<[string, Node]> = [];
    if (result.transform) provenance.push(["transform", link(result.transform)]);
    if (result.run) provenance.push(["run", link(result.run)]);
    const storage = relations.find((r) => r.name === "storage");
    if (storage) provenance.push(["storage", links(storage.items, 0)]);

    append(
      section("Features", definitions(features, "lw-kv")),
      section("Labels", definitions(labels.map((r) => [words(r.name), links(r.items, r.more)]), "lw-kv")),
      section("Schema", definitions(slots, "lw-kv")),
      section("Collections", ...collections.map((r) => links(r.items, r.more))),
      section("Made by", definitions(provenance, "lw-kv")),
      section("Related", definitions(related.map((r) => [words(r.name), links(r.items, r.more)]), "lw-kv")),
    );
    append(lineageSection(client, result.registry, result.id, open));
    const all = Object.entries(result.all_fields ?? result.fields ?? {}) as Array<[string, string | null]>;
    const details = h("details", { class: "lw-all-fields" }, h("summary", {}, `All fields (${all.length})`), definitions(all.map(([k, v]) => [k, v ?? "None"]), "lw-kv lw-mono") ?? "");
    el.append(details);
  }

  function append(...parts: Array<HTMLElement | null>) {
    for (const part of parts) if (part) el.append(part);
  }

  async function load(): Promise<void> {
    const current = stack[stack.length - 1];
    if (!current) {
      el.hidden = true;
      clear(el);
      return;
    }
    el.hidden = false;
    el.setAttribute("aria-busy", "true");
    try {
      const { result } = await client.latest("detail", "record", { registry: current.registry, id: current.id });
      render(result);
      el.dataset.record = `${current.registry}:${current.id}`;
      el.focus({ preventScroll: true });
      el.scrollIntoView?.({ block: "nearest" });
    } catch (error) {
      if (isAbort(error)) return;
      clear(el);
      const back = h("button", { type: "button", class: "lw-back-record", onclick: goBack }, "Back");
      el.append(back, h("div", { class: "lw-error", role: "alert" }, error instanceof Error ? error.message : String(error)));
    } finally {
      el.removeAttribute("aria-busy");
    }
  }

  function open(registry: string, id: number): Promise<void> {
    stack.push({ registry, id });
    return load();
  }

  function goBack(): void {
    stack.pop();
    if (stack.length) load();
    else onClose();
  }

  el.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      goBack();
    }
  });

  /** The page of a record of the browser's registry (null: no page). */
  async function show(registry: string, id: number | null): Promise<void> {
    stack.length = 0;
    if (id === null || id === undefined) {
      el.hidden = true;
      clear(el);
      return;
    }
    return open(registry, id);
  }

  return { el, show, open };
}
