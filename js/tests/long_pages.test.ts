// @vitest-environment happy-dom
// Speed in the browser (issue 21): a page of 500 rows puts only the rows that fill the table's box in the
// table (fixed column widths from the page's text, the rest added as the table is scrolled or the keyboard
// moves on), another page of the same columns keeps the header, the list has every row at once, id columns
// of related records are not shown by default, and a search box asks at each keystroke (before the text's
// sync to the kernel), an older answer coming late never replacing a newer one.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultColumns, leadingColumns } from "../src/components/browser";
import { recordList } from "../src/components/recordlist";
import { columnWidths, FIRST_ROWS, MORE_ROWS, MORE_WITHIN_PX, pageTable, rowsToFill } from "../src/components/table";
import type { Frame } from "../src/arrow";
import searchWidget from "../src/widgets/search";
import { FakeModel, flush } from "./fake";

function frameOf(n: number): Frame {
  const rows = Array.from({ length: n }, (_, i) => ({ id: i + 1, key: `project_${i % 7}/sample_${String(i).padStart(7, "0")}.h5ad`, size: i * 1000 }));
  return { columns: ["id", "key", "size"], types: ["number", "text", "number"], rows };
}

function table() {
  const opened: number[] = [];
  const t = pageTable({ onSort: () => {}, onToggle: () => {}, onOpen: (id) => opened.push(id), sortable: () => true });
  el.append(t.el);
  const rows = () => [...t.el.querySelectorAll<HTMLElement>("tbody tr[data-id]")];
  return { t, rows, opened };
}

const key = (target: Element, k: string) => target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));

let el: HTMLElement;
beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
});
afterEach(() => el.remove());

describe("a page of 500 rows in the table", () => {
  it("puts its first rows in at once and the others as the table is scrolled to its end", () => {
    const { t, rows } = table();
    t.render(frameOf(500), [], new Set());
    expect(rows().length).toBe(FIRST_ROWS);
    expect(rows()[0].dataset.id).toBe("1");
    // scrolled near the end of the rows there: the next ones come
    Object.defineProperty(t.el, "scrollHeight", { configurable: true, value: 1200 });
    Object.defineProperty(t.el, "clientHeight", { configurable: true, value: 400 });
    t.el.scrollTop = 1200 - 400 - MORE_WITHIN_PX - 10; // not yet that close to the end
    t.el.dispatchEvent(new Event("scroll"));
    expect(rows().length).toBe(FIRST_ROWS);
    t.el.scrollTop = 1200 - 400 - MORE_WITHIN_PX + 10;
    t.el.dispatchEvent(new Event("scroll"));
    expect(rows().length).toBe(FIRST_ROWS + MORE_ROWS);
    expect(rows().map((r) => Number(r.dataset.id))).toEqual(Array.from({ length: FIRST_ROWS + MORE_ROWS }, (_, i) => i + 1));
  });

  it("puts in the rows that fill a box of fixed height, and the next ones scrolling would reach", () => {
    const { t, rows } = table();
    t.el.style.maxHeight = "420px"; // a notebook's table
    t.render(frameOf(500), [], new Set());
    expect(rows().length).toBe(Math.ceil((420 + MORE_WITHIN_PX) / 23)); // 23 px: a row before one is measured
    expect(rows().length).toBeLessThan(FIRST_ROWS);
    // the next page: the rows' measured height counts (taller rows: fewer of them)
    Object.defineProperty(rows()[0], "offsetHeight", { configurable: true, value: 38 });
    expect(rowsToFill(t.el, rows()[0])).toBe(Math.ceil((420 + MORE_WITHIN_PX) / 38));
    t.el.style.maxHeight = "10000px"; // a box taller than FIRST_ROWS fill: FIRST_ROWS, the rest on scrolling
    expect(rowsToFill(t.el, null)).toBe(FIRST_ROWS);
    t.el.style.maxHeight = "40px"; // a tiny box: still 10 rows to scroll through
    expect(rowsToFill(t.el, null)).toBe(10);
  });

  it("keeps the header (with its summaries) for another page of the same columns, a new one otherwise", () => {
    const summary = document.createElement("div");
    const sorted: string[][] = [];
    const t = pageTable({ onSort: (o) => sorted.push(o), onToggle: () => {}, onOpen: () => {}, sortable: () => true, summary: (c) => (c === "size" ? summary : null) });
    el.append(t.el);
    t.render(frameOf(500), [], new Set());
    const head = t.el.querySelector("thead")!;
    const page2 = frameOf(500);
    page2.rows.forEach((row, i) => (row.id = 501 + i));
    t.render(page2, [], new Set());
    expect(t.el.querySelector("thead")).toBe(head);
    expect(t.el.querySelectorAll("thead").length).toBe(1);
    expect(t.el.querySelector("tbody tr[data-id]")!.getAttribute("data-id")).toBe("501");
    expect(head.querySelector("[data-summary-column=size]")!.firstChild).toBe(summary);
    (head.querySelector("th[data-column=key]") as HTMLElement).click();
    expect(sorted).toEqual([["key"]]);
    // sorted by key: a new header (its arrow, its next order)
    t.render(page2, ["key"], new Set());
    const sortedHead = t.el.querySelector("thead")!;
    expect(sortedHead).not.toBe(head);
    expect(sortedHead.querySelector("th[data-column=key]")!.getAttribute("aria-sort")).toBe("ascending");
    (sortedHead.querySelector("th[data-column=key]") as HTMLElement).click();
    expect(sorted).toEqual([["key"], ["-key"]]);
    expect(t.el.querySelectorAll("colgroup").length).toBe(1);
  });

  it("follows the keyboard past the rows in the DOM: ArrowDown adds the next ones, End all of them", () => {
    const { t, rows } = table();
    t.render(frameOf(500), [], new Set());
    const last = rows()[FIRST_ROWS - 1];
    last.focus();
    key(last, "ArrowDown");
    expect(rows().length).toBe(FIRST_ROWS + MORE_ROWS);
    expect(document.activeElement).toBe(rows()[FIRST_ROWS]);
    key(rows()[FIRST_ROWS], "End");
    expect(rows().length).toBe(500);
    expect((document.activeElement as HTMLElement).dataset.id).toBe("500");
  });

  it("shows the selection on rows added later, and a new page replaces the old one's rows", () => {
    const { t, rows } = table();
    t.render(frameOf(500), [], new Set());
    t.setSelected(new Set([FIRST_ROWS + 1]));
    key(rows()[FIRST_ROWS - 1], "ArrowDown");
    expect(rows()[FIRST_ROWS].getAttribute("aria-selected")).toBe("true");
    t.render(frameOf(3), [], new Set());
    expect(rows().map((r) => r.dataset.id)).toEqual(["1", "2", "3"]);
  });

  it("sizes columns from the page's text, within bounds; a cut value has its text in a tooltip", () => {
    expect(columnWidths(["id", "key", "n"], [["1", "a".repeat(100), "7"], ["22", "b", "123456"]])).toEqual([5, 40, 8]);
    const { t, rows } = table();
    const frame = frameOf(2);
    frame.rows[1].key = "x/".repeat(40);
    t.render(frame, [], new Set());
    const cols = [...t.el.querySelectorAll("col")].map((c) => c.getAttribute("style"));
    expect(cols.length).toBe(4); // the checkbox, id, key, size
    expect(cols[2]).toContain("40ch");
    expect(rows()[1].children[2].getAttribute("title")).toBe("x/".repeat(40));
    expect(rows()[0].children[2].hasAttribute("title")).toBe(false);
    // a uid in capitals and wide letters fits its column (`ch` is the width of a digit)
    expect(columnWidths(["uid"], [["7q1GONA41mlmpUBD0000"]])).toEqual([24]);
  });
});

describe("a page of 500 rows in the list", () => {
  it("has every row at once (rows out of view cost no layout: content-visibility)", () => {
    const list = recordList({ onToggle: () => {}, onOpen: () => {} });
    el.append(list.el);
    list.render(frameOf(500), new Set(), "key");
    expect(list.el.querySelectorAll("li[data-id]").length).toBe(500);
  });
});

describe("default columns", () => {
  it("leave out private columns and ids of related records; the creator by handle", () => {
    const relations = [
      { name: "storage", to_many: false },
      { name: "created_by", to_many: false },
      { name: "ulabels", to_many: true },
    ];
    const columns = ["uid", "key", "_aux", "storage_id", "ontology_id", "created_at", "created_by_id"];
    expect(defaultColumns(columns, relations)).toEqual(["uid", "key", "ontology_id", "created_at", "created_by__handle"]);
    expect(defaultColumns(columns)).toEqual(["uid", "key", "storage_id", "ontology_id", "created_at", "created_by_id"]);
  });

  it("put the name, then size, date and creator first; uids and hashes after", () => {
    const columns = ["uid", "key", "description", "suffix", "kind", "size", "hash", "created_at", "created_by__handle"];
    expect(leadingColumns(columns, "key")).toEqual(["key", "suffix", "size", "created_at", "created_by__handle", "uid", "description", "kind", "hash"]);
    expect(leadingColumns(["uid", "name", "ontology_id"], "name")).toEqual(["name", "uid", "ontology_id"]);
  });
});

describe("SearchBox typing", () => {
  it("asks at each keystroke, without a pause; a late answer to an older text is dropped", async () => {
    const model = new FakeModel({ registry: "ULabel", text: "", value_id: null, limit: 10, placeholder: "" });
    const answers: Record<string, () => void> = {};
    model.handlers.search = (p) =>
      new Promise((resolve) => {
        answers[p.string] = () => resolve({ result: { label_field: "name", results: [{ id: p.string.length, uid: "x", label: p.string, fields: {} }] } });
      });
    searchWidget.render({ model, el });
    const input = el.querySelector("input") as HTMLInputElement;
    for (const text of ["e", "ex"]) {
      input.value = text;
      input.dispatchEvent(new Event("input"));
    }
    expect(model.requests("search").map((r) => r.params.string)).toEqual(["e", "ex"]); // at once: no timer ran
    expect(model.sent).toContainEqual({ kind: "lamin-cancel", id: model.requests("search")[0].id }); // the older one stops
    await flush();
    answers["ex"]();
    await flush();
    answers["e"](); // the kernel answered the cancelled one anyway, later
    await flush();
    const shown = () => [...el.querySelectorAll("li[role=option] .lw-label")].map((label) => label.textContent);
    expect(shown()).toEqual(["ex"]);
    expect(el.querySelector(".lw-picker")!.getAttribute("data-results")).toBe("1");
    // cleared while a search runs: no results, and the search's answer (not cancelled) shows none later
    input.value = "exp";
    input.dispatchEvent(new Event("input"));
    input.value = "";
    input.dispatchEvent(new Event("input"));
    await flush();
    expect(shown()).toEqual([]);
    answers["exp"]();
    await flush();
    expect(shown()).toEqual([]);
    expect(model.state.text).toBe("");
  });

  it("sends the search before the text's sync to the kernel", async () => {
    const order: string[] = [];
    class Logged extends FakeModel {
      save_changes() {
        order.push("sync");
        super.save_changes();
      }
      send(content: any) {
        if (content.kind === "lamin-rpc") order.push(content.method);
        super.send(content);
      }
    }
    const model = new Logged({ registry: "ULabel", text: "", value_id: null, limit: 10, placeholder: "" });
    model.handlers.search = () => ({ result: { label_field: "name", results: [{ id: 4, uid: "x", label: "Experiment 1", fields: {} }] } });
    searchWidget.render({ model, el });
    const input = el.querySelector("input") as HTMLInputElement;
    input.value = "exp";
    input.dispatchEvent(new Event("input"));
    await flush(60);
    await flush(60);
    expect(order).toEqual(["search", "sync"]);
    expect(model.state.text).toBe("exp");
    expect(el.querySelectorAll("li[role=option]").length).toBe(1);
  });
});
