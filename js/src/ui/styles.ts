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
.lw-table { border-collapse: collapse; width: max-content; min-width: 100%; }
.lw-table th, .lw-table td { padding: 2px 8px; border-bottom: 1px solid var(--lw-border); text-align: left;
  white-space: nowrap; max-width: 320px; overflow: hidden; text-overflow: ellipsis; }
.lw-table th { position: sticky; top: 0; background: var(--lw-bg3); font-weight: 600; z-index: 1; }
.lw-table th.lw-sortable { cursor: pointer; user-select: none; }
.lw-table th[aria-sort=ascending]::after { content: " ▲"; }
.lw-table th[aria-sort=descending]::after { content: " ▼"; }
.lw-table td.lw-num { text-align: right; font-variant-numeric: tabular-nums; }
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
.lw-sidebar { padding: 8px; min-height: 100%; }
.lw-sidebar .lw-instance { display: grid; grid-template-columns: max-content 1fr; gap: 1px 8px; margin: 0; }
.lw-sidebar .lw-instance dt { color: var(--lw-fg2); }
.lw-sidebar .lw-instance dd { margin: 0; overflow-wrap: anywhere; }
.lw-sidebar .lw-registries { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px;
  max-height: 132px; overflow: auto; }
.lw-sidebar .lw-registries li { display: inline-flex; gap: 4px; align-items: center; border: 1px solid var(--lw-border);
  border-radius: 10px; padding: 0 6px; }
.lw-sidebar .lw-regname { color: var(--lw-accent); background: none; border: none; padding: 0; min-height: 0; }
.lw-sidebar .lw-regname[aria-pressed=true] { font-weight: 700; }
`;

export function ensureStyles(root: Document = document): void {
  if (root.getElementById("lamin-widgets-style")) return;
  const style = root.createElement("style");
  style.id = "lamin-widgets-style";
  style.textContent = CSS;
  root.head.appendChild(style);
}
