// Cell values as text.

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z").replace("Z", " UTC");
  if (Array.isArray(value)) return value.map(formatValue).join(", ");
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e6) / 1e6);
  if (typeof value === "bigint") return value.toString();
  return String(value);
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/** Pages of `size` rows needed for `total` rows (at least one). */
export function pageCount(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, size)));
}

/** The next sort order when a column header is clicked: ascending, descending, then none. */
export function nextOrder(order: string[], column: string): string[] {
  const current = order[0];
  if (current === column) return [`-${column}`];
  if (current === `-${column}`) return [];
  return [column];
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): ((...args: A) => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wrapped = (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, ms);
  };
  wrapped.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return wrapped;
}

/** A column LaminDB keeps to itself (`_aux`, `_branch_code`): hidden unless chosen under Columns. */
export function isPrivate(column: string): boolean {
  return column.startsWith("_") || column.split("__").some((part) => part.startsWith("_"));
}

/** A column's header as people read it: a relation path's steps joined by arrows
 * (`created_by__handle`: "created_by → handle"); the raw path stays in the header's tooltip. */
export function columnLabel(column: string): string {
  return column.split("__").join(" → ");
}

/** A column of byte counts (an artifact's `size`, or a related record's): shown as humanSize. */
export function isSizeColumn(column: string): boolean {
  return column === "size" || column.endsWith("__size");
}

/** A path or URI (`/tmp/demo/storage`, `s3://bucket/folder`): its end is the part to keep in view. */
export function isPathLike(text: string): boolean {
  return /^(\/|~\/|[a-z][a-z0-9+.-]*:\/\/)/i.test(text);
}

/** Bytes as people read them: 20 B, 5.1 kB, 31.7 kB, 1.2 GB (decimal units, as file browsers show). */
export function humanSize(bytes: unknown): string {
  const n = typeof bytes === "bigint" ? Number(bytes) : Number(bytes);
  if (bytes === null || bytes === undefined || !Number.isFinite(n)) return "";
  if (Math.abs(n) < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB", "PB"];
  let value = n / 1000;
  let unit = 0;
  while (Math.abs(value) >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Bytes in full, for tooltips: 24,826 bytes. */
export function exactBytes(bytes: unknown): string {
  const n = Number(bytes);
  if (bytes === null || bytes === undefined || !Number.isFinite(n)) return "";
  return `${n.toLocaleString("en-US")} ${n === 1 ? "byte" : "bytes"}`;
}

function asDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === "string" || typeof value === "number") {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "12 days ago", else the date (2024-12-01). */
export function relativeDate(value: unknown, now: Date = new Date()): string {
  const date = asDate(value);
  if (!date) return "";
  const seconds = (now.getTime() - date.getTime()) / 1000;
  if (seconds < -60) return date.toISOString().slice(0, 10);
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86400);
  if (days === 1) return "yesterday";
  if (days < 30) return `${days} days ago`;
  return date.toISOString().slice(0, 10);
}

/** A date and time in full, for tooltips: 2024-12-01 10:31:05 UTC. */
export function fullDate(value: unknown): string {
  const date = asDate(value);
  return date ? formatValue(date) : "";
}

/** Where a record's name comes from, in order: the registry's label field, key, name, description, uid. */
export const NAME_FIELDS = ["key", "name", "description", "uid"];

/** The fields a list row shows under the name, when the registry has them. */
export const SECONDARY_FIELDS = ["suffix", "size", "created_at", "created_by__handle", "version", "ontology_id", "description"];

/** A record's display name (key, name or description; its uid as the last resort). */
export function displayName(row: Record<string, unknown>, labelField?: string | null): string {
  for (const field of [labelField, ...NAME_FIELDS]) {
    if (!field) continue;
    const value = row[field];
    if (value !== null && value !== undefined && String(value) !== "") return formatValue(value);
  }
  return `#${formatValue(row.id)}`;
}

/** The dim line under a name: suffix, size, relative date, creator, version (what is there). */
export function secondaryParts(row: Record<string, unknown>, name: string, now?: Date): string[] {
  const parts: string[] = [];
  const suffix = row.suffix ? String(row.suffix) : "";
  if (suffix && !name.endsWith(suffix)) parts.push(suffix);
  if (row.size !== null && row.size !== undefined) parts.push(humanSize(row.size));
  if (row.created_at) parts.push(relativeDate(row.created_at, now));
  if (row.created_by__handle) parts.push(String(row.created_by__handle));
  if (row.version) parts.push(`v${row.version}`);
  if (row.ontology_id) parts.push(String(row.ontology_id));
  if (row.description && String(row.description) !== name) parts.push(String(row.description));
  return parts.filter(Boolean);
}

/** A count as the UI says it: "5 records", or for a capped search "first 1,000 of 2,345" / "of ≥ 2,000". */
export function countText(counted: { count: number; matches?: number; matches_exact?: boolean }): string {
  const { count, matches } = counted;
  if (matches === undefined || matches <= count) return plural(count, "record");
  const total = `${counted.matches_exact ? "" : "≥ "}${matches.toLocaleString("en-US")}`;
  return `first ${count.toLocaleString("en-US")} of ${total}`;
}
