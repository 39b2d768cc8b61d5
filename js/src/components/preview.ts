// The preview area of an artifact's record page: a thumbnail, the head of a table with its column types,
// an AnnData's shape, obs columns and var names, or a folder's files. It asks the `preview` method after
// the page is shown (the page never waits for it); a newer page's preview cancels an older one.
import type { RpcClient } from "../rpc/client";
import { isAbort } from "../rpc/types";
import { clear, h } from "../ui/dom";
import { humanSize, plural } from "../ui/format";

const count = (n: number) => n.toLocaleString("en-US");

function caption(...parts: Array<string | null | undefined | false>): HTMLElement {
  return h("div", { class: "lw-muted lw-preview-caption" }, parts.filter(Boolean).join(" · "));
}

function image(p: any, title: string): HTMLElement[] {
  const img = h("img", { class: "lw-preview-image", src: p.thumbnail, width: p.thumbnail_width, height: p.thumbnail_height, alt: `Thumbnail of ${title}` });
  return [img, caption(`${count(p.width)} × ${count(p.height)} px`, p.format)];
}

function table(p: any): HTMLElement[] {
  const head = h("tr", {}, ...p.columns.map((c: any) => h("th", { title: `${c.name}: ${c.type}` }, h("div", {}, c.name), h("div", { class: "lw-muted lw-preview-type" }, c.type))));
  // numbers right-aligned, as in the registry table
  const numeric = p.columns.map((c: any) => /^(u?int\d+|float|double|halffloat|decimal)/.test(c.type));
  const cell = (v: string | null, i: number) => (v === null ? h("td", { class: "lw-muted" }, "null") : h("td", { title: v, class: numeric[i] ? "lw-num" : "" }, v));
  const rows = p.rows.map((row: Array<string | null>) => h("tr", {}, ...row.map(cell)));
  const shown = p.columns.length < p.n_columns ? `first ${p.columns.length} of ${count(p.n_columns)} columns` : `${count(p.n_columns)} columns`;
  const size = p.n_rows === null ? `first ${p.rows.length} rows` : p.n_rows > p.rows.length ? `first ${p.rows.length} of ${count(p.n_rows)} rows` : `${count(p.n_rows)} rows`;
  return [caption(p.format, size, shown), h("div", { class: "lw-preview-table", tabIndex: 0 }, h("table", {}, h("thead", {}, head), h("tbody", {}, ...rows)))];
}

/** Names as separate tags: a category may itself contain commas ("CD8-positive, alpha-beta T cell"). */
function tags(names: string[]): HTMLElement[] {
  return names.map((name) => h("span", { class: "lw-preview-tag", title: name }, name));
}

function anndata(p: any): HTMLElement[] {
  const x = p.x ? `X ${p.x.format} ${p.x.dtype}` : null;
  const dl = h("dl", { class: "lw-kv" });
  for (const c of p.obs) {
    const more = c.categories && c.n_categories > c.categories.length ? h("span", { class: "lw-muted" }, `… ${count(c.n_categories)} in all`) : null;
    const values = c.categories ? h("span", { class: "lw-preview-tags" }, ...tags(c.categories), more ?? "") : h("span", { class: "lw-muted" }, c.type);
    dl.append(h("dt", {}, c.name), h("dd", {}, values));
  }
  const parts: HTMLElement[] = [caption(`${count(p.n_obs ?? 0)} obs × ${count(p.n_vars ?? 0)} vars`, x)];
  if (p.obs.length) parts.push(h("div", { class: "lw-preview-label" }, p.n_obs_columns > p.obs.length ? `obs (first ${p.obs.length} of ${p.n_obs_columns} columns)` : "obs"), dl);
  if (p.var_head.length) parts.push(h("div", { class: "lw-preview-label" }, "var"), h("div", { class: "lw-preview-tags lw-preview-names" }, ...tags(p.var_head), p.n_vars > p.var_head.length ? h("span", { class: "lw-muted" }, "…") : ""));
  const keys = Object.entries(p.keys ?? {}).filter(([, names]) => (names as string[]).length);
  if (keys.length) parts.push(h("dl", { class: "lw-kv" }, ...keys.flatMap(([slot, names]) => [h("dt", {}, slot), h("dd", { class: "lw-preview-tags" }, ...tags(names as string[]))])));
  return parts;
}

function folder(p: any): HTMLElement[] {
  const list = h("ul", { class: "lw-preview-files" }, ...p.files.map((f: any) => h("li", {}, h("span", { class: "lw-ellipsis", title: f.name }, f.name), h("span", { class: "lw-muted" }, humanSize(f.size)))));
  return [list, ...(p.more ? [caption(`the first ${plural(p.files.length, "file")}; more not listed`)] : [])];
}

/** Renders a preview result into `body`. */
export function renderPreview(body: HTMLElement, p: any, title: string): void {
  clear(body);
  body.dataset.kind = p.kind;
  const parts = p.kind === "image" ? image(p, title) : p.kind === "table" ? table(p) : p.kind === "anndata" ? anndata(p) : p.kind === "folder" ? folder(p) : [h("div", { class: `lw-preview-message${p.kind === "error" ? " lw-error" : " lw-muted"}` }, p.message)];
  body.append(...parts);
}

/** The preview section of artifact `id`, filled in when its answer comes. */
export function previewArea(client: RpcClient, id: number, title: string): HTMLElement {
  const body = h("div", { class: "lw-preview-body", "aria-busy": "true", "aria-live": "polite" }, h("div", { class: "lw-muted" }, "Loading the preview…"));
  const el = h("div", { class: "lw-section lw-preview", "data-section": "preview" }, h("h4", {}, "Preview"), body);
  client
    .latest("preview", "preview", { registry: "Artifact", id })
    .then(({ result }) => renderPreview(body, result, title))
    .catch((error) => {
      if (isAbort(error)) return;
      renderPreview(body, { kind: "error", message: error instanceof Error ? error.message : String(error) }, title);
    })
    .finally(() => body.removeAttribute("aria-busy"));
  return el;
}
