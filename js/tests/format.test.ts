import { describe, expect, it, vi } from "vitest";
import { highlightParts, matchRanges } from "../src/highlight";
import { columnLabel, debounce, exactBytes, formatValue, isPathLike, isSizeColumn, nextOrder, pageCount, plural } from "../src/ui/format";

describe("highlight", () => {
  it("marks the whole query, case-insensitively", () => {
    expect(highlightParts("Iris.parquet", "iris")).toEqual([
      { text: "Iris", match: true },
      { text: ".parquet", match: false },
    ]);
  });
  it("falls back to tokens and merges overlaps", () => {
    expect(matchRanges("T cell receptor", "receptor t-cell")).toEqual([
      [0, 1],
      [2, 6],
      [7, 15],
    ]);
    expect(highlightParts("abc", "")).toEqual([{ text: "abc", match: false }]);
  });
});

describe("format", () => {
  it("formats cells", () => {
    expect(formatValue(null)).toBe("");
    expect(formatValue(["DMSO", "IFNG"])).toBe("DMSO, IFNG");
    expect(formatValue(21.600000001)).toBe("21.6");
    expect(formatValue(new Date(Date.UTC(2025, 4, 8, 7, 32, 21)))).toBe("2025-05-08 07:32:21 UTC");
    expect(plural(1, "record")).toBe("1 record");
    expect(plural(1234, "record")).toBe("1,234 records");
  });
  it("reads column names, sizes and paths", () => {
    expect(columnLabel("created_by__handle")).toBe("created_by → handle");
    expect(columnLabel("ulabels__created_by__handle")).toBe("ulabels → created_by → handle");
    expect(columnLabel("created_at")).toBe("created_at");
    expect(isSizeColumn("size")).toBe(true);
    expect(isSizeColumn("input_of_runs__size")).toBe(true);
    expect(isSizeColumn("n_files")).toBe(false);
    expect(exactBytes(24826)).toBe("24,826 bytes");
    expect(exactBytes(1)).toBe("1 byte");
    expect(exactBytes(null)).toBe("");
    expect(["/tmp/demo", "s3://bucket/a", "gs://b", "~/data", "https://x.org/a"].every(isPathLike)).toBe(true);
    expect(["raw/my_fastq.fastq.gz", "a/b", "note: s3://x", ""].some(isPathLike)).toBe(false);
  });
  it("pages and sort cycles", () => {
    expect(pageCount(0, 50)).toBe(1);
    expect(pageCount(101, 50)).toBe(3);
    expect(nextOrder([], "size")).toEqual(["size"]);
    expect(nextOrder(["size"], "size")).toEqual(["-size"]);
    expect(nextOrder(["-size"], "size")).toEqual([]);
    expect(nextOrder(["-size"], "key")).toEqual(["key"]);
  });
  it("debounces", () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 100);
    d(1);
    d(2);
    vi.advanceTimersByTime(99);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledExactlyOnceWith(2);
    d(3);
    d.cancel();
    vi.advanceTimersByTime(200);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
  });
});
