// Highlighting: the parts of a text that match a query, case-insensitively, whole query first, then tokens.

export type Part = { text: string; match: boolean };

export function matchRanges(text: string, query: string): Array<[number, number]> {
  const lower = text.toLowerCase();
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const whole = lower.indexOf(q);
  if (whole >= 0) return [[whole, whole + q.length]];
  const ranges: Array<[number, number]> = [];
  for (const token of q.split(/[\s\W_]+/).filter((t) => t.length > 0)) {
    let from = 0;
    for (;;) {
      const at = lower.indexOf(token, from);
      if (at < 0) break;
      ranges.push([at, at + token.length]);
      from = at + token.length;
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range] as [number, number]);
  }
  return merged;
}

export function highlightParts(text: string, query: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (const [start, end] of matchRanges(text, query)) {
    if (start > at) parts.push({ text: text.slice(at, start), match: false });
    parts.push({ text: text.slice(start, end), match: true });
    at = end;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}
