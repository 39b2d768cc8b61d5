// Column summaries under the table's headers (quak-like): a histogram for numbers and dates, a bar of the
// most frequent values for text, booleans and to-many columns, computed in SQL over the current filter
// (the `summaries` method). Clicking a bar filters by its value (or bin); dragging across a histogram
// filters by the range. Conditions go into the store's filter spec, so the filter builder, the count and
// the generated code follow. Summaries load after the page, one column per request, never in the way of
// the rows; a failed summary says so in its tooltip, not in the error bar. A to-many column of a large
// selection comes first as an estimate from a sample (`exact: false`: "≈" before its counts, its bar
// dimmed), then it is asked for again with `exact: true`, after every column's first answer, and the
// exact counts replace the estimate.
import type { RpcClient } from "../rpc/client";
import { isAbort } from "../rpc/types";
import type { Condition, Group } from "../spec";
import type { Store } from "../store";
import { h } from "../ui/dom";
import { humanSize, isSizeColumn } from "../ui/format";

export interface Bin {
  start: number | string;
  end: number | string;
  count: number;
}

export interface Summary {
  column: string;
  kind: "number" | "datetime" | "category" | "unique";
  to_many: boolean;
  count: number;
  nulls: number;
  bins?: Bin[];
  min?: number | string | null;
  max?: number | string | null;
  width_seconds?: number;
  top?: { value: unknown; count: number }[];
  other?: number | null;
  /** Text and boolean columns: the distinct values; with `more_distinct`, more than this many (no top). */
  distinct?: number;
  more_distinct?: boolean;
  /** False: counts estimated from a sample of `sampled` records, scaled to the selection. */
  exact?: boolean;
  sampled?: number;
}

/** Requests in flight at once: the rest wait (the page and the count come first). */
const IN_FLIGHT = 2;
const SVG = "http://www.w3.org/2000/svg";
const RANGE_LOOKUPS = new Set(["gt", "gte", "lt", "lte"]);
const VALUE_LOOKUPS = new Set(["exact", "ne", "in", "isnull"]);

/** `spec` with the top-level conditions of `field` with one of `lookups` replaced by `conditions` (a click
 * on another bar of the same column changes the selection, it does not narrow it to nothing). A spec whose
 * top is an "or" or negated group is kept whole, and-ed with the conditions. */
export function withConditions(spec: Group | null | undefined, field: string, lookups: Set<string>, conditions: Condition[]): Group {
  const root: Group = spec && Array.isArray(spec.items) ? spec : { op: "and", not: false, items: [] };
  if (root.op !== "and" || root.not) return { op: "and", not: false, items: [root, ...conditions] };
  const kept = root.items.filter((item) => "items" in item || item.field !== field || !lookups.has(item.lookup));
  return { op: "and", not: false, items: [...kept, ...conditions] };
}

/** The conditions a range of bins stands for: `gte` the first's start, `lt` the last's end. */
export function rangeConditions(column: string, bins: Bin[], from: number, to: number): Condition[] {
  const [a, b] = from <= to ? [from, to] : [to, from];
  return [
    { field: column, lookup: "gte", value: bins[a].start },
    { field: column, lookup: "lt", value: bins[b].end },
  ];
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** A bin edge or extreme as people read it: bytes for sizes, compact numbers, dates without a time when
 * the bins are days or longer. */
export function edgeText(summary: Summary, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (summary.kind === "datetime") {
    const text = String(value);
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) return text;
    const iso = date.toISOString();
    return (summary.width_seconds ?? 0) >= 86400 || text.length === 10 ? iso.slice(0, 10) : iso.slice(0, 16).replace("T", " ");
  }
  if (isSizeColumn(summary.column)) return humanSize(value);
  return typeof value === "number" && Math.abs(value) >= 10000 ? compact.format(value) : String(value);
}

function valueText(value: unknown): string {
  if (value === "") return "(empty)";
  return String(value);
}

const count = (n: number) => n.toLocaleString("en-US");
const roughly = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 2 });

/** An estimated count as it should be read: "≈" and two significant digits (a sample's precision). */
export function estimateText(n: number): string {
  return `≈ ${roughly.format(n)}`;
}

/** What an estimated summary's cell says when hovered: what it was estimated from, what comes next. */
export function estimateTitle(s: Summary): string {
  return `estimated from ${count(s.sampled ?? 0)} of ${count(s.count + s.nulls)} records (a sample spread over them); counting every record…`;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  return el;
}

export function columnSummaries(client: RpcClient, store: Store) {
  const cells = new Map<string, HTMLElement>();
  let generation = 0;
  let inFlight = new AbortController(); // the latest load's requests: a newer load cancels them

  /** The element under a column's header (kept across page renders: the table re-attaches it). */
  function cell(column: string): HTMLElement {
    let found = cells.get(column);
    if (!found) {
      found = h("div", { class: "lw-summary", "data-summary": column });
      // a click or drag here filters; it must not sort by the column
      for (const event of ["click", "keydown", "pointerdown"]) found.addEventListener(event, (e) => e.stopPropagation());
      cells.set(column, found);
    }
    return found;
  }

  function filterBy(column: string, lookups: Set<string>, conditions: Condition[]) {
    store.set({ filters: withConditions(store.get("filters"), column, lookups, conditions), page: 0 });
  }

  function line(el: HTMLElement, text: string) {
    const caption = h("div", { class: "lw-summary-text" }, text);
    el.append(caption);
    return caption;
  }

  function renderHistogram(el: HTMLElement, s: Summary) {
    const bins = s.bins ?? [];
    const [low, high] = [edgeText(s, s.min), edgeText(s, s.max)];
    const defaultText = !bins.length ? "no values" : low === high ? low : `${low} – ${high}`;
    if (!bins.length) {
      line(el, s.nulls ? `${count(s.nulls)} empty` : defaultText);
      return;
    }
    const most = Math.max(...bins.map((b) => b.count), s.nulls, 1);
    const slots = bins.length + (s.nulls ? 1.5 : 0); // the empty ones apart, after a gap
    const chart = svg("svg", { class: "lw-hist", viewBox: `0 0 ${slots} 1`, preserveAspectRatio: "none", role: "img" });
    chart.setAttribute("aria-label", `${s.column}: histogram of ${count(s.count)} values`);
    const bars: SVGRectElement[] = [];
    bins.forEach((bin, i) => {
      const height = bin.count ? Math.max(0.04, bin.count / most) : 0;
      const bar = svg("rect", { x: i + 0.06, y: 1 - height, width: 0.88, height, class: "lw-bar" });
      bar.dataset.index = String(i);
      const title = svg("title", {});
      title.textContent = `${edgeText(s, bin.start)} – ${edgeText(s, bin.end)}: ${count(bin.count)}`;
      bar.append(title);
      bars.push(bar);
      chart.append(svg("rect", { x: i, y: 0, width: 1, height: 1, class: "lw-hit", "data-index": i }), bar);
    });
    if (s.nulls) {
      const height = Math.max(0.04, s.nulls / most);
      const empty = svg("rect", { x: bins.length + 0.56, y: 1 - height, width: 0.88, height, class: "lw-bar lw-null" });
      const title = svg("title", {});
      title.textContent = `empty: ${count(s.nulls)}`;
      empty.append(title);
      empty.addEventListener("click", () => filterBy(s.column, new Set([...RANGE_LOOKUPS, "isnull"]), [{ field: s.column, lookup: "isnull", value: true }]));
      chart.append(empty);
    }
    const brush = svg("rect", { y: 0, height: 1, width: 0, class: "lw-brush" });
    chart.append(brush);
    el.append(chart);
    const caption = line(el, defaultText);

    const indexAt = (event: PointerEvent) => {
      const box = chart.getBoundingClientRect();
      const x = ((event.clientX - box.left) / Math.max(1, box.width)) * slots;
      return Math.min(bins.length - 1, Math.max(0, Math.floor(x)));
    };
    const show = (from: number, to: number) => {
      const [a, b] = from <= to ? [from, to] : [to, from];
      let n = 0;
      for (let i = a; i <= b; i++) n += bins[i].count;
      caption.textContent = `${edgeText(s, bins[a].start)} – ${edgeText(s, bins[b].end)}: ${count(n)}`;
      bars.forEach((bar, i) => bar.classList.toggle("lw-on", i >= a && i <= b));
      return [a, b];
    };
    let anchor: number | null = null;
    chart.addEventListener("pointerdown", (event) => {
      if ((event.target as Element).classList.contains("lw-null") || event.button !== 0) return;
      anchor = indexAt(event);
      chart.setPointerCapture?.(event.pointerId);
      show(anchor, anchor);
      brush.setAttribute("x", String(anchor));
      brush.setAttribute("width", "1");
    });
    chart.addEventListener("pointermove", (event) => {
      const at = indexAt(event);
      if (anchor === null) {
        if ((event.target as Element).classList.contains("lw-null")) return;
        show(at, at);
        return;
      }
      const [a, b] = show(anchor, at);
      brush.setAttribute("x", String(a));
      brush.setAttribute("width", String(b - a + 1));
    });
    chart.addEventListener("pointerup", (event) => {
      if (anchor === null) return;
      const from = anchor;
      anchor = null;
      filterBy(s.column, RANGE_LOOKUPS, rangeConditions(s.column, bins, from, indexAt(event)));
    });
    chart.addEventListener("pointerleave", () => {
      if (anchor !== null) return;
      caption.textContent = defaultText;
      bars.forEach((bar) => bar.classList.remove("lw-on"));
    });
  }

  /** One bar of the values and the empty ones, no value to click: for columns whose top values say nothing. */
  function renderSpread(el: HTMLElement, s: Summary, caption: string, title: string) {
    const empty = s.nulls ? `; ${count(s.nulls)} empty` : "";
    const bar = h("div", { class: "lw-segs", title: title + empty }, h("span", { class: "lw-seg lw-other", style: `flex-grow: ${s.count}` }));
    if (s.nulls) bar.append(h("span", { class: "lw-seg lw-null", style: `flex-grow: ${s.nulls}` }));
    el.append(bar);
    line(el, caption).title = title + empty;
  }

  function renderTop(el: HTMLElement, s: Summary) {
    const top = s.top ?? [];
    const estimated = s.exact === false;
    const number = estimated ? estimateText : count;
    if (s.more_distinct) {
      // too many distinct values to count them all: how many at least, no top values
      const many = count(s.distinct ?? 0);
      renderSpread(el, s, `${many}+ distinct`, `more than ${many} distinct values among ${count(s.count)}: too many to show the most frequent`);
      return;
    }
    if (!s.to_many && top.length && top[0].count === 1 && s.count > 1) {
      // every value once (keys, names): bars of one record each say nothing
      renderSpread(el, s, `${count(s.count)} distinct`, `${count(s.count)} values, each once`);
      return;
    }
    const parts: { label: string; n: number; cls: string; condition?: Condition }[] = top.map((t) => ({
      label: valueText(t.value),
      n: t.count,
      cls: "lw-seg",
      condition: { field: s.column, lookup: "exact", value: t.value },
    }));
    if (s.other) parts.push({ label: `${top.length ? "other values" : "values"}`, n: s.other, cls: "lw-seg lw-other" });
    if (s.nulls) parts.push({ label: s.to_many ? "none" : "empty", n: s.nulls, cls: "lw-seg lw-null", condition: { field: s.column, lookup: "isnull", value: true } });
    const all = parts.reduce((a, p) => a + p.n, 0);
    if (!all) {
      line(el, "no values");
      return;
    }
    const bar = h("div", { class: "lw-segs", role: "list", "aria-label": `${s.column}: most frequent values` });
    const first = top[0];
    const share = first ? Math.round((100 * first.count) / Math.max(1, s.to_many ? s.count + s.nulls : all)) : 0;
    const defaultText = first ? `${estimated ? "≈ " : ""}${valueText(first.value)} ${share}%` : `${number(s.nulls)} empty`;
    let caption: HTMLElement;
    for (const part of parts) {
      const share = part.n / all;
      const text = `${part.label}: ${number(part.n)}`;
      const seg = h("button", { type: "button", class: part.cls, role: "listitem", title: text, "aria-label": text, style: `flex-grow: ${share}` });
      if (!part.condition) seg.disabled = true;
      seg.addEventListener("pointerenter", () => (caption.textContent = text));
      seg.addEventListener("pointerleave", () => (caption.textContent = defaultText));
      seg.addEventListener("focus", () => (caption.textContent = text));
      seg.addEventListener("click", () => part.condition && filterBy(s.column, VALUE_LOOKUPS, [part.condition]));
      bar.append(seg);
    }
    el.append(bar);
    caption = line(el, defaultText);
  }

  function render(column: string, s: Summary) {
    const el = cell(column);
    el.replaceChildren();
    el.removeAttribute("title");
    el.dataset.kind = s.kind;
    el.classList.toggle("lw-approx", s.exact === false);
    if (s.exact === false) el.title = estimateTitle(s);
    if (s.kind === "number" || s.kind === "datetime") renderHistogram(el, s);
    else if (s.kind === "unique") line(el, s.count ? `${count(s.count)} unique` : "no values");
    else renderTop(el, s);
  }

  /** Load the summaries of `columns` for the store's query; older loads stop. True when this load is the
   * latest and done. */
  async function refresh(columns: string[]): Promise<boolean> {
    const mine = ++generation;
    inFlight.abort();
    const controller = (inFlight = new AbortController());
    const params = {
      registry: store.get("registry"),
      filters: store.get("filters"),
      search: store.get("search"),
    };
    for (const column of columns) cell(column).classList.add("lw-stale");
    // each column's first answer, then the exact counts of those that came as estimates
    const queue = columns.map((column) => ({ column, exact: false }));
    const worker = async () => {
      for (let job = queue.shift(); job !== undefined && mine === generation; job = queue.shift()) {
        const { column, exact } = job;
        const el = cell(column);
        try {
          const reply = await client.call("summaries", { ...params, columns: [column], exact }, controller.signal);
          if (mine !== generation) return;
          const summary: Summary = reply.result.columns[0];
          render(column, summary);
          if (summary.exact === false && !exact) queue.push({ column, exact: true });
        } catch (error) {
          if (isAbort(error) || mine !== generation) return;
          if (exact) {
            // the estimate stays, said to be one: never shown as the exact counts
            el.title = `${el.title.replace(/; counting every record…$/, "")}; no exact counts: ${(error as Error).message}`;
          } else {
            el.replaceChildren();
            el.title = `no summary: ${(error as Error).message}`;
          }
        } finally {
          if (mine === generation) el.classList.remove("lw-stale");
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    return mine === generation;
  }

  return {
    /** The summary element of a column (for the table's header). */
    cell,
    refresh,
    /** Stop the loads under way and dim what is shown (the query changed: its page comes first). */
    cancel() {
      generation++;
      inFlight.abort();
      for (const el of cells.values()) el.classList.add("lw-stale");
    },
    /** Forget every summary (another registry). */
    reset() {
      generation++;
      inFlight.abort();
      cells.clear();
    },
  };
}
