// The lineage graph of a record page (the `lineage` method): the run's inputs and its transform, the run,
// this record, its collections (a run: its outputs), as an SVG laid out here, no graph library. Wide
// (≥ WIDE px): tiers left to right; narrow (the sidebar, ~250 px): top to bottom, nodes side by side in
// rows. Every node is a link that opens its record on the same page; colours are JupyterLab's variables.
import type { RpcClient } from "../rpc/client";
import { isAbort } from "../rpc/types";
import { clear, h } from "../ui/dom";

export interface LineageNode {
  registry: string;
  id: number;
  uid: string | null;
  label: string;
}

interface Column {
  nodes: LineageNode[];
  more: number;
  relation?: string;
}

export interface Lineage {
  record: LineageNode;
  transform: LineageNode | null;
  run: LineageNode | null;
  inputs: Column;
  outputs: Column;
}

/** Registries with a lineage graph (lamin_widgets/protocol/lineage.py). */
export const LINEAGE_REGISTRIES = new Set(["Artifact", "Collection", "Run"]);

const SVG = "http://www.w3.org/2000/svg";
const WIDE = 520; // px: tiers side by side from here
const NODE_H = 34;
const GAP = 10; // between nodes of a tier
const STEP = 26; // between tiers (the edges)
const CHAR = 6.4; // px per character of the 11 px label, to cut labels that would overflow

/** A drawn box: a record (a link) or "+ k more" (text only). */
interface Box {
  node?: LineageNode;
  text: string;
  caption: string;
  kind: "input" | "transform" | "run" | "current" | "output" | "more";
  x: number;
  y: number;
  w: number;
}

let markers = 0;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The name a node shows: the file name of a key (its folders are in the tooltip), else the label. */
export function shortLabel(node: LineageNode): string {
  if (node.registry === "Run") return `run ${node.label}`;
  const parts = node.label.split("/").filter(Boolean);
  return parts.length > 1 ? parts[parts.length - 1] : node.label;
}

function fit(text: string, width: number): string {
  const room = Math.max(3, Math.floor((width - 12) / CHAR));
  return text.length <= room ? text : `${text.slice(0, room - 1)}…`;
}

function caption(node: LineageNode): string {
  return node.registry.replace(/^bionty\./, "");
}

/** The tiers of the graph, in flow order: sources (transform, inputs), the run, this record, outputs. */
export function tiers(lineage: Lineage): Array<Array<Omit<Box, "x" | "y" | "w">>> {
  const boxes = (column: Column, kind: Box["kind"]) => [
    ...column.nodes.map((node) => ({ node, text: shortLabel(node), caption: caption(node), kind })),
    ...(column.more > 0 ? [{ text: `+ ${column.more.toLocaleString("en-US")} more`, caption: "", kind: "more" as const }] : []),
  ];
  const sources = [
    ...(lineage.transform ? [{ node: lineage.transform, text: shortLabel(lineage.transform), caption: "Transform", kind: "transform" as const }] : []),
    ...boxes(lineage.inputs, "input"),
  ];
  const current = { node: lineage.record, text: shortLabel(lineage.record), caption: caption(lineage.record), kind: "current" as const };
  const result = [];
  if (sources.length) result.push(sources);
  if (lineage.run) result.push([{ node: lineage.run, text: shortLabel(lineage.run), caption: "Run", kind: "run" as const }]);
  result.push([current]);
  const outputs = boxes(lineage.outputs, "output");
  if (outputs.length) result.push(outputs);
  return result;
}

/** Positions of every box for a width: tiers as columns (wide) or as rows of up to `perRow` boxes. */
export function layout(lineage: Lineage, width: number): { boxes: Box[][]; width: number; height: number; wide: boolean } {
  const all = tiers(lineage);
  const wide = width >= WIDE;
  const boxes: Box[][] = [];
  if (wide) {
    const w = Math.min(200, (width - STEP * 2 * (all.length - 1)) / all.length);
    const heights = all.map((tier) => tier.length * NODE_H + (tier.length - 1) * GAP);
    const height = Math.max(...heights);
    all.forEach((tier, t) => {
      const top = (height - heights[t]) / 2;
      boxes.push(tier.map((b, i) => ({ ...b, x: t * (w + STEP * 2), y: top + i * (NODE_H + GAP), w })));
    });
    return { boxes, width: all.length * w + (all.length - 1) * STEP * 2, height, wide };
  }
  const perRow = Math.max(1, Math.floor((width + GAP) / (110 + GAP)));
  let y = 0;
  for (const tier of all) {
    const rows = Math.ceil(tier.length / perRow);
    const placed: Box[] = [];
    const across = Math.min(perRow, tier.length); // every row of a tier takes the first row's widths
    const w = Math.min(220, (width - GAP * (across - 1)) / across);
    for (let r = 0; r < rows; r++) {
      const row = tier.slice(r * perRow, (r + 1) * perRow);
      const left = (width - (row.length * w + (row.length - 1) * GAP)) / 2;
      row.forEach((b, i) => placed.push({ ...b, x: left + i * (w + GAP), y, w }));
      y += NODE_H + (r < rows - 1 ? GAP : 0);
    }
    boxes.push(placed);
    y += STEP;
  }
  return { boxes, width, height: y - STEP, wide };
}

function edge(from: Box, to: Box, wide: boolean, marker: string): SVGPathElement {
  const dashed = from.kind === "more" || to.kind === "more";
  const [x1, y1, x2, y2] = wide
    ? [from.x + from.w, from.y + NODE_H / 2, to.x - 2, to.y + NODE_H / 2]
    : [from.x + from.w / 2, from.y + NODE_H, to.x + to.w / 2, to.y - 2];
  const d = wide
    ? `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`
    : `M${x1},${y1} C${x1},${(y1 + y2) / 2} ${x2},${(y1 + y2) / 2} ${x2},${y2}`;
  return svg("path", { d, class: `lw-lineage-edge${dashed ? " lw-lineage-dashed" : ""}`, "marker-end": `url(#${marker})` });
}

/** The graph as an SVG element whose record nodes call `open`. */
export function lineageSvg(lineage: Lineage, width: number, open: (registry: string, id: number) => void): SVGSVGElement {
  const { boxes, width: w, height, wide } = layout(lineage, width);
  const root = svg("svg", { class: "lw-lineage-svg", width: w, height: height + 2, viewBox: `0 -1 ${w} ${height + 2}`, role: "group", "aria-label": "Lineage" });
  const marker = `lw-arrow-${++markers}`;
  const defs = svg("defs");
  const arrow = svg("marker", { id: marker, viewBox: "0 0 8 8", refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  arrow.append(svg("path", { d: "M0,0 L8,4 L0,8 z", class: "lw-lineage-arrow" }));
  defs.append(arrow);
  root.append(defs);
  for (let t = 0; t + 1 < boxes.length; t++) {
    for (const from of boxes[t]) for (const to of boxes[t + 1]) root.append(edge(from, to, wide, marker));
  }
  for (const box of boxes.flat()) {
    const g = svg("g", { class: `lw-lineage-node lw-lineage-${box.kind}`, transform: `translate(${box.x},${box.y})` });
    g.append(svg("rect", { width: box.w, height: NODE_H, rx: 4 }));
    const cap = svg("text", { x: 6, y: 12, class: "lw-lineage-caption" });
    cap.textContent = box.caption;
    const label = svg("text", { x: 6, y: box.caption ? 26 : 21, class: "lw-lineage-label" });
    label.textContent = fit(box.text, box.w);
    g.append(cap, label);
    const node = box.node;
    if (!node || box.kind === "current") {
      if (node) g.setAttribute("aria-current", "page");
      const title = svg("title");
      title.textContent = node ? `${node.registry} ${node.label} (this record)` : box.text;
      g.prepend(title);
      root.append(g);
      continue;
    }
    const a = svg("a", { href: "#", class: "lw-lineage-link", "data-registry": node.registry, "data-id": node.id });
    const title = svg("title");
    title.textContent = `Open ${node.registry} ${node.label}`;
    a.append(title, g);
    a.addEventListener("click", (e) => {
      e.preventDefault();
      open(node.registry, node.id);
    });
    root.append(a);
  }
  return root;
}

/** The "Lineage" section of a record page: fetched after the page, drawn to the section's width. */
export function lineageSection(client: RpcClient, registry: string, id: number, open: (registry: string, id: number) => void): HTMLElement | null {
  if (!LINEAGE_REGISTRIES.has(registry)) return null;
  const body = h("div", { class: "lw-lineage", "aria-busy": "true" });
  const el = h("div", { class: "lw-section", "data-section": "lineage" }, h("h4", {}, "Lineage"), body);
  let data: Lineage | null = null;
  let drawnWidth = 0;
  const draw = () => {
    const width = Math.floor(body.clientWidth || el.clientWidth || 240);
    if (!data || width === drawnWidth) return;
    drawnWidth = width;
    clear(body);
    const alone = !data.run && !data.transform && !data.inputs.nodes.length && !data.outputs.nodes.length;
    if (!alone) body.append(lineageSvg(data, width, open));
    if (!data.run && !data.transform) body.append(h("div", { class: "lw-muted" }, "No run recorded: saved outside ln.track()."));
  };
  client
    .latest("lineage", "lineage", { registry, id })
    .then(({ result }) => {
      data = result as Lineage;
      body.removeAttribute("aria-busy");
      draw();
    })
    .catch((error) => {
      if (isAbort(error)) return;
      body.removeAttribute("aria-busy");
      body.append(h("div", { class: "lw-error", role: "alert" }, error instanceof Error ? error.message : String(error)));
    });
  if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => draw()).observe(body);
  return el;
}
