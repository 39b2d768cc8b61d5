// Small inline icons for the widgets (a notebook widget has no LabIcon); the sidebar passes JupyterLab's
// own LabIcons instead (js/src/labextension/index.ts). Drawn in currentColor, so every theme works.
export type IconName = "refresh" | "insert" | "run" | "list" | "table" | "copy" | "back" | "caret";

const PATHS: Record<IconName, string> = {
  refresh: "M17.65 6.35A7.96 7.96 0 0 0 12 4a8 8 0 1 0 7.73 10h-2.08A6 6 0 1 1 12 6c1.66 0 3.14.69 4.22 1.78L13 11h7V4z",
  insert: "M19 13h-6v6h-2v-6H5v-2h6V5h2v6h6z",
  run: "M8 5v14l11-7z",
  list: "M3 5h2v2H3zm4 0h14v2H7zM3 11h2v2H3zm4 0h14v2H7zm-4 6h2v2H3zm4 0h14v2H7z",
  table: "M3 4h18v16H3zm2 2v3h14V6zm0 5v3h14v-3zm0 5v2h14v-2z",
  copy: "M16 1H4a2 2 0 0 0-2 2v14h2V3h12zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2zm0 16H8V7h11z",
  back: "M20 11H7.83l5.59-5.59L12 4l-8 8 8 8 1.41-1.41L7.83 13H20z",
  caret: "M7 10l5 5 5-5z",
};

/** Something that draws an icon element (a LabIcon has `element()`). */
export interface IconLike {
  element(options?: Record<string, unknown>): HTMLElement;
}

export function icon(name: IconName, lab?: IconLike): HTMLElement {
  if (lab) return lab.element({ tag: "span", className: "lw-icon", elementPosition: "center", height: "16px", width: "16px" });
  const span = document.createElement("span");
  span.className = "lw-icon";
  span.setAttribute("aria-hidden", "true");
  span.innerHTML = `<svg viewBox="0 0 24 24" width="16" height="16" fill="currentColor"><path d="${PATHS[name]}"/></svg>`;
  return span;
}
