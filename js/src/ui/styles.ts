// One stylesheet for every widget, on JupyterLab's CSS variables (light and dark themes follow them).
const CSS = `
.lw {
  --lw-bg: var(--jp-layout-color0, #fff); --lw-bg2: var(--jp-layout-color1, #fff);
  --lw-bg3: var(--jp-layout-color2, #eee); --lw-fg: var(--jp-ui-font-color1, rgba(0,0,0,.87));
  --lw-fg2: var(--jp-ui-font-color2, rgba(0,0,0,.54)); --lw-border: var(--jp-border-color2, #e0e0e0);
  --lw-accent: var(--jp-brand-color1, #1976d2); --lw-sel: var(--jp-brand-color3, #bbdefb);
  --lw-err: var(--jp-error-color1, #d32f2f);
  font-family: var(--jp-ui-font-family, system-ui, sans-serif); font-size: var(--jp-ui-font-size1, 13px);
  color: var(--lw-fg); background: var(--lw-bg); display: flex; flex-direction: column; gap: 6px;
  max-width: 100%; box-sizing: border-box;
}
.lw *, .lw *::before, .lw *::after { box-sizing: border-box; }
.lw > * { min-width: 0; max-width: 100%; } /* flex items would grow to the table's width */
.lamin-widget { width: 100%; min-width: 0; }
.lamin-widget > .lw { contain: inline-size; width: 100%; } /* wide tables scroll inside, never widen the cell */
.lw input, .lw select, .lw button { font: inherit; color: var(--lw-fg); background: var(--lw-bg2);
  border: 1px solid var(--jp-border-color1, #bdbdbd); border-radius: 2px; padding: 2px 6px; min-height: 24px; }
.lw input[type=checkbox] { min-height: 0; padding: 0; margin: 0 2px; }
.lw button { cursor: pointer; }
.lw-registry { flex: 0 1 auto; max-width: 260px; }
.lw button:hover:not(:disabled) { background: var(--lw-bg3); }
.lw button:disabled { opacity: .5; cursor: default; }
.lw :focus-visible { outline: 2px solid var(--lw-accent); outline-offset: -1px; }
.lw-bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.lw-grow { flex: 1 1 160px; min-width: 120px; width: 0; }
.lw-total, .lw-pageinfo, .lw-selected, .lw-timing { white-space: nowrap; flex: 0 0 auto; }
.lw-muted { color: var(--lw-fg2); }
.lw-error { color: var(--lw-err); border: 1px solid var(--lw-err); border-radius: 2px; padding: 4px 8px;
  white-space: pre-wrap; display: flex; gap: 8px; align-items: flex-start; }
.lw-error[hidden] { display: none; }
.lw-error span { flex: 1; }
.lw-busy::after { content: "…"; }
.lw-tablewrap { overflow: auto; max-height: 420px; border: 1px solid var(--lw-border); }
/* fixed layout: the columns' widths come from the <col>s (set from the page's text), no cell is measured */
.lw-table { border-collapse: collapse; table-layout: fixed; min-width: 100%; }
.lw-table col.lw-col-check { width: 28px; }
.lw-table th, .lw-table td { padding: 2px 8px; border-bottom: 1px solid var(--lw-border); text-align: left;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.lw-table thead { position: sticky; top: 0; z-index: 1; } /* both header rows: names and summaries */
.lw-table th { background: var(--lw-bg3); font-weight: 600; }
.lw-table th.lw-sortable { cursor: pointer; user-select: none; }
.lw-table th[aria-sort=ascending]::after { content: " ▲"; }
.lw-table th[aria-sort=descending]::after { content: " ▼"; }
.lw-table td.lw-num { text-align: right; font-variant-numeric: tabular-nums; }
.lw-table td.lw-path-cell { direction: rtl; text-align: left; } /* a long path: its start ellipsized */
.lw-table tbody tr { cursor: pointer; }
.lw-table tbody tr:hover { background: var(--lw-bg3); }
.lw-table tbody tr[aria-selected=true] { background: var(--lw-sel); }
.lw-table tbody tr:focus { outline: 2px solid var(--lw-accent); outline-offset: -2px; }
.lw-code { font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 12px);
  background: var(--jp-cell-editor-background, var(--lw-bg3)); padding: 4px 8px; margin: 0; white-space: pre-wrap;
  word-break: break-all; flex: 1; }
.lw-group { border-left: 3px solid var(--lw-accent); padding: 4px 0 4px 8px; display: flex; flex-direction: column; gap: 4px; }
.lw-group .lw-group { border-left-color: var(--lw-fg2); }
.lw-cond { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.lw-cond input.lw-value { min-width: 140px; }
.lw-cond > select { max-width: 100%; } /* a long feature name in a narrow panel: the select shrinks, not overflows */
.lw-descendants-label { white-space: nowrap; }
.lw-results { list-style: none; margin: 0; padding: 0; border: 1px solid var(--lw-border); max-height: 260px; overflow: auto; }
.lw-results[hidden] { display: none; }
.lw-results li { padding: 3px 8px; cursor: pointer; display: flex; gap: 8px; align-items: baseline; }
.lw-results li[aria-selected=true] { background: var(--lw-sel); }
.lw-results li:hover { background: var(--lw-bg3); }
.lw-results mark { background: var(--jp-warn-color3, #ffe082); color: inherit; padding: 0; }
.lw-detail { border: 1px solid var(--lw-border); padding: 6px 8px; display: flex; flex-direction: column; gap: 4px; }
.lw-detail[hidden] { display: none; }
.lw-detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 1px 12px; margin: 0; }
.lw-detail dt { color: var(--lw-fg2); }
.lw-detail dd { margin: 0; overflow-wrap: anywhere; }
.lw-menu { position: relative; }
.lw-menu > div { position: absolute; z-index: 10; background: var(--lw-bg); border: 1px solid var(--jp-border-color1, #bdbdbd);
  padding: 6px; max-height: 320px; overflow: auto; min-width: 220px; box-shadow: 0 2px 6px rgba(0,0,0,.2); }
.lw-menu label { display: block; white-space: nowrap; }
.lw-menu h5 { margin: 6px 0 2px; font-size: inherit; color: var(--lw-fg2); }
.lw-view h4 { margin: 8px 0 2px; }
.lw-view .lw-tablewrap { max-height: 220px; }
.lw-view .lw-regname { color: var(--lw-accent); cursor: pointer; background: none; border: none; padding: 0;
  font-weight: 600; text-decoration: underline; min-height: 0; }
.lw-icon { display: inline-flex; align-items: center; justify-content: center; line-height: 0; }
.lw-icon svg { width: 16px; height: 16px; }
.lw button.lw-icon-button, .lw button.lw-tool { background: none; border: none; border-radius: var(--jp-border-radius, 2px);
  padding: 2px 4px; min-height: 24px; min-width: 24px; display: inline-flex; align-items: center; justify-content: center;
  color: var(--lw-fg); }
.lw button.lw-icon-button:hover, .lw button.lw-tool:hover { background: var(--jp-layout-color2, var(--lw-bg3)); }
.lw button[aria-pressed=true].lw-icon-button, .lw button[aria-pressed=true].lw-tool { background: var(--jp-layout-color3, var(--lw-bg3)); }
.lw-ellipsis { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.lw-grow0 { flex: 1 1 auto; min-width: 0; }
.lw [hidden] { display: none !important; }
/* column summaries (components/summaries.ts): histograms and value bars under the headers */
.lw-table tr.lw-summary-row th { font-weight: normal; padding: 1px 8px 3px; vertical-align: bottom; }
.lw-summary { height: 42px; display: flex; flex-direction: column; justify-content: flex-end; gap: 2px; }
.lw-summary.lw-stale { opacity: .4; }
.lw-summary svg.lw-hist { width: 100%; height: 26px; display: block; cursor: crosshair; touch-action: none; }
.lw-summary .lw-bar { fill: var(--jp-brand-color2, #64b5f6); }
.lw-summary .lw-bar.lw-on { fill: var(--lw-accent); }
.lw-summary .lw-bar.lw-null { fill: var(--jp-warn-color2, #ffb74d); cursor: pointer; }
.lw-summary .lw-hit { fill: transparent; }
.lw-summary .lw-brush { fill: var(--lw-accent); opacity: .18; pointer-events: none; }
.lw-summary-text { font-size: var(--jp-ui-font-size0, 11px); line-height: 14px; color: var(--lw-fg2);
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-variant-numeric: tabular-nums; }
.lw-segs { display: flex; gap: 1px; height: 14px; }
.lw .lw-segs .lw-seg { flex: 1 1 0; min-width: 3px; min-height: 0; padding: 0; border: none; border-radius: 0;
  background: var(--jp-brand-color2, #64b5f6); }
.lw .lw-segs button.lw-seg:hover:not(:disabled), .lw .lw-segs button.lw-seg:focus-visible { background: var(--lw-accent); }
.lw .lw-segs .lw-seg.lw-other { background: var(--jp-layout-color3, #bdbdbd); }
.lw .lw-segs .lw-seg.lw-null { background: var(--jp-warn-color2, #ffb74d); }
.lw .lw-segs button.lw-seg:disabled { opacity: 1; cursor: default; }
/* an estimate from a sample ("≈" in its caption): its bar dimmed until the exact counts replace it */
.lw-summary.lw-approx .lw-segs { opacity: .6; }
/* the list view: a name and a dim line per record */
.lw-listwrap { overflow: auto; max-height: 60vh; border-top: 1px solid var(--lw-border); }
.lw-list { list-style: none; margin: 0; padding: 0; }
.lw-list li[data-id] { display: flex; gap: 6px; align-items: flex-start; padding: 4px 6px;
  border-bottom: 1px solid var(--lw-border); cursor: pointer;
  content-visibility: auto; contain-intrinsic-size: auto 40px; } /* rows out of view cost no layout */
.lw-list li[data-id] input { margin-top: 3px; flex: none; }
.lw-list li[data-id]:hover { background: var(--jp-layout-color2, var(--lw-bg3)); }
.lw-list li[aria-selected=true] { background: var(--lw-sel); }
.lw-list li:focus { outline: 1px solid var(--lw-accent); outline-offset: -1px; }
.lw-item { min-width: 0; flex: 1; }
.lw-primary { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--lw-fg);
  font-size: var(--jp-ui-font-size1, 13px); }
.lw-secondary { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--lw-fg2);
  font-size: var(--jp-ui-font-size0, 11px); }
.lw-list .lw-empty { padding: 6px; }
/* the registry picker */
.lw-registry-picker { position: relative; }
.lw button.lw-registry-button { display: flex; align-items: center; gap: 6px; width: 100%; text-align: left; }
.lw-picker-name { flex: 1; font-weight: 600; }
.lw-registry-list { position: absolute; z-index: 20; left: 0; right: 0; margin: 2px 0 0; padding: 2px 0; list-style: none;
  background: var(--lw-bg); border: 1px solid var(--jp-border-color1, #bdbdbd); box-shadow: var(--jp-elevation-z4, 0 2px 6px rgba(0,0,0,.2));
  max-height: 50vh; overflow: auto; }
.lw-registry-list li[role=option] { display: flex; gap: 8px; padding: 2px 10px 2px 16px; cursor: pointer; }
.lw-registry-list li[role=option] > :first-child { flex: 1; }
.lw-registry-list li[role=option]:hover, .lw-registry-list li[role=option]:focus { background: var(--jp-layout-color2, var(--lw-bg3)); outline: none; }
.lw-registry-list li[aria-selected=true] { font-weight: 600; color: var(--lw-accent); }
.lw-registry-list .lw-group-label { padding: 4px 8px 0; color: var(--lw-fg2); font-size: var(--jp-ui-font-size0, 11px);
  text-transform: uppercase; letter-spacing: .04em; }
.lw-registry-list .lw-fold { padding: 2px 8px; }
.lw button.lw-link-button { background: none; border: none; padding: 0; min-height: 0; color: var(--lw-accent); cursor: pointer; }
/* the record page */
.lw-record { border: none; padding: 0; gap: 6px; }
.lw .lw-record:focus, .lw .lw-record:focus-visible { outline: none; }
.lw-record-head { display: flex; gap: 4px; align-items: flex-start; }
.lw-record { container-type: inline-size; }
.lw-record-title { margin: 0; font-size: var(--jp-ui-font-size2, 15px); font-weight: 600; overflow-wrap: break-word; }
.lw-record-registry { font-size: var(--jp-ui-font-size0, 11px); }
.lw-description { margin: 0; color: var(--lw-fg); overflow-wrap: anywhere; }
.lw-record dl { display: grid; grid-template-columns: minmax(64px, max-content) minmax(0, 1fr); gap: 2px 10px; margin: 0; }
.lw-record dt { color: var(--lw-fg2); overflow-wrap: anywhere; }
/* in a notebook's output area, not JupyterLab's own dt (floated, bold, 20% of the dl wide) */
.lw .lw-record dt { float: none; width: auto; font-weight: normal; }
.lw-record dd { margin: 0; overflow-wrap: anywhere; min-width: 0; }
/* a notebook's output area floats its dt at 20 % width in bold (.jp-OutputArea-output dt): not in a grid */
.lw .lw-record dt, .lw .lw-record dd { float: none; width: auto; font-weight: normal; }
.lw-record h4 { margin: 6px 0 2px; font-size: var(--jp-ui-font-size1, 13px); font-weight: 600;
  border-bottom: 1px solid var(--lw-border); padding-bottom: 2px; }
.lw-path { display: flex; align-items: center; gap: 4px; min-width: 0; }
.lw-path code { flex: 1; direction: rtl; text-align: left; font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 12px);
  background: var(--jp-layout-color2, var(--lw-bg3)); padding: 1px 4px; border-radius: 2px; }
.lw-links { display: inline-flex; flex-wrap: wrap; gap: 2px 10px; }
.lw-ref { display: inline-flex; gap: 4px; align-items: baseline; min-width: 0; }
/* JupyterLab's link colour (blue in light and dark themes); .jp-ThemedContainer a would unset a weaker rule */
.lw a.lw-link { color: var(--jp-content-link-color, #1976d2); text-decoration: none; overflow-wrap: anywhere; }
.lw a.lw-link:hover { color: var(--jp-content-link-hover-color, var(--jp-content-link-color, #1976d2)); text-decoration: underline; }
.lw-ontology, .lw-mono dd { font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 12px); }
.lw-ontology, .lw-nowrap { white-space: nowrap; }
/* a narrow record page (the sidebar at its default width): each feature's or label's name above its values */
@container (max-width: 360px) {
  .lw-record dl.lw-kv { display: block; }
  .lw-record dl.lw-kv dt { margin-top: 3px; font-size: var(--jp-ui-font-size0, 11px); }
  .lw-record dl.lw-kv dd { padding-left: 10px; }
}
/* the preview of an artifact (components/preview.ts) */
.lw-preview-body { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.lw-preview-image { max-width: 100%; height: auto; align-self: flex-start; border: 1px solid var(--lw-border); border-radius: 2px;
  background: repeating-conic-gradient(var(--lw-bg3) 0 25%, var(--lw-bg) 0 50%) 0 0 / 12px 12px; }
.lw-preview-caption, .lw-preview-type { font-size: var(--jp-ui-font-size0, 11px); }
.lw-preview-table { overflow: auto; max-height: 280px; border: 1px solid var(--lw-border); }
.lw-preview-table table { border-collapse: collapse; font-size: var(--jp-ui-font-size0, 11px); }
.lw-preview-table th { position: sticky; top: 0; background: var(--lw-bg2); text-align: left; font-weight: 600; }
.lw-preview-table th, .lw-preview-table td { padding: 1px 6px; border-bottom: 1px solid var(--lw-border); white-space: nowrap;
  max-width: 16em; overflow: hidden; text-overflow: ellipsis; }
.lw-preview-table td.lw-num { text-align: right; font-variant-numeric: tabular-nums; }
.lw-preview-label { font-weight: 600; font-size: var(--jp-ui-font-size0, 11px); color: var(--lw-fg2); margin-top: 2px; }
.lw-preview-tags { display: flex; flex-wrap: wrap; gap: 2px 4px; align-items: baseline; }
.lw-preview-tag { background: var(--jp-layout-color2, var(--lw-bg3)); border-radius: 2px; padding: 0 4px; overflow-wrap: anywhere; }
.lw-preview-names .lw-preview-tag { font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 12px); }
.lw-preview-files { list-style: none; margin: 0; padding: 0; max-height: 200px; overflow: auto; }
.lw-preview-files li { display: flex; gap: 8px; justify-content: space-between; min-width: 0; }
.lw-preview-message { overflow-wrap: anywhere; }
.lw-all-fields summary { cursor: pointer; color: var(--lw-fg2); margin-top: 6px; }
/* the lineage graph of a record page (components/lineage.ts) */
.lw-lineage { overflow-x: auto; min-height: 34px; }
.lw-lineage-svg { display: block; overflow: visible; font-family: var(--jp-ui-font-family, system-ui, sans-serif); }
.lw-lineage-node rect { fill: var(--lw-bg2); stroke: var(--jp-border-color1, #bdbdbd); stroke-width: 1; }
.lw-lineage-caption { font-size: 9px; fill: var(--lw-fg2); letter-spacing: .03em; }
.lw-lineage-label { font-size: 11px; fill: var(--lw-fg); }
.lw-lineage-link .lw-lineage-label { fill: var(--jp-content-link-color, #1976d2); }
.lw-lineage-link:hover rect, .lw-lineage-link:focus-visible rect { fill: var(--lw-bg3); stroke: var(--lw-accent); }
.lw-lineage-link:focus { outline: none; }
.lw-lineage-current rect { stroke: var(--lw-accent); stroke-width: 2; fill: var(--lw-bg2); }
.lw-lineage-current .lw-lineage-label { font-weight: 600; }
.lw-lineage-transform rect, .lw-lineage-run rect { fill: var(--lw-bg3); }
.lw-lineage-more rect { fill: none; stroke-dasharray: 3 3; }
.lw-lineage-more .lw-lineage-label { fill: var(--lw-fg2); }
.lw-lineage-edge { fill: none; stroke: var(--lw-fg2); stroke-width: 1.2; opacity: .7; }
.lw-lineage-edge.lw-lineage-dashed { stroke-dasharray: 3 3; }
.lw-lineage-arrow { fill: var(--lw-fg2); }
/* the sidebar */
.lw-sidebar { padding: 0 0 8px; min-height: 100%; gap: 4px; }
.lw-sidebar > :not(.lw-toolbar) { margin: 0 8px; }
.lw-toolbar { display: flex; align-items: center; gap: 2px; padding: 2px 4px 2px 8px; min-height: var(--jp-private-toolbar-height, 28px);
  border-bottom: var(--jp-border-width, 1px) solid var(--jp-toolbar-border-color, var(--lw-border));
  box-shadow: var(--jp-toolbar-box-shadow, none); background: var(--jp-toolbar-background, var(--lw-bg)); }
.lw-toolbar-title { font-weight: 600; font-size: var(--jp-ui-font-size1, 13px); letter-spacing: .02em; }
.lw-spacer { flex: 1; }
.lw-instance { display: flex; gap: 6px; align-items: baseline; min-width: 0; font-size: var(--jp-ui-font-size0, 11px); }
.lw-instance-name { flex: 0 1 auto; font-weight: 600; } /* the name first; the path gets what is left */
.lw-instance-path { flex: 1 1 4em; min-width: 4em; direction: rtl; text-align: left; } /* the end of a long path is what tells paths apart */
.lw-sidebar .lw-browser { gap: 4px; }
.lw-sidebar .lw-tablewrap { max-height: 60vh; }
.lw-sidebar .lw-grow { flex-basis: 100px; min-width: 90px; }
.lw-sidebar .lw-pager { gap: 2px; font-size: var(--jp-ui-font-size0, 11px); }
.lw-sidebar .lw-pager button { min-width: 24px; padding: 0 4px; }
.lw-sidebar .lw-pagesize { padding: 0 2px; }
.lw-sidebar .lw-code { font-size: var(--jp-code-font-size, 12px); }
.lw-insert-notice:empty { display: none; }
`;

export function ensureStyles(root: Document = document): void {
  if (root.getElementById("lamin-widgets-style")) return;
  const style = root.createElement("style");
  style.id = "lamin-widgets-style";
  style.textContent = CSS;
  root.head.appendChild(style);
}
