// @vitest-environment happy-dom
import { describe, expect, it, vi } from "vitest";
import { cellSource, sidebarPanel } from "../src/components/sidebar";
import { RpcClient } from "../src/rpc/client";
import { ServerConnection } from "@jupyterlab/services";
import { restTransport } from "../src/rpc/rest";
import { RpcError } from "../src/rpc/types";
import { flush, ipc } from "./fake";

const SCHEMA = {
  registry: "Artifact",
  code_name: "ln.Artifact",
  label_field: "key",
  columns: ["key", "size"],
  lookup_labels: { exact: "=" },
  fields: [{ path: "key", kind: "text", lookups: ["exact"], is_feature: false, to_many: false, target: null, target_field: null, dtype: "CharField" }],
  relations: [],
  features: [],
};
const ROWS = [
  { id: 1, key: "images/my_image.jpg", size: 29358 },
  { id: 2, key: "raw/my_fastq.fastq.gz", size: 20 },
  { id: 3, key: "iris.parquet", size: 5131 },
];

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** The server extension over a mocked fetch: POST {base}/rpc/{method} with {"params"}; `hold` keeps the
 * answer to list_registries back until it resolves. */
function fakeServer(hold?: Promise<void>) {
  const handlers: Record<string, (p: any) => { result: any; buffers?: Uint8Array[] }> = {
    list_registries: () => ({
      result: {
        registries: [
          { name: "Artifact", module: "core", count: 3 },
          { name: "ULabel", module: "core", count: 4 },
          { name: "bionty.CellType", module: "bionty", count: 2 },
        ],
      },
    }),
    schema: () => ({ result: SCHEMA }),
    count: (p) => ({ result: { count: p.search ? 1 : ROWS.length } }),
    // like the server: bionty registries are `bt.CellType` and need the second import
    codegen: (p) => {
      const bionty = p.registry.startsWith("bionty.");
      const name = bionty ? `bt.${p.registry.slice("bionty.".length)}` : `ln.${p.registry}`;
      return {
        result: {
          code: `${name}${p.search ? `.search('${p.search}', limit=1000)` : ".filter()"}`,
          imports: ["import lamin_core as ln", ...(bionty ? ["import lamin_core.bionty as bt"] : [])],
        },
      };
    },
    page: (p) => {
      const rows = (p.search ? ROWS.filter((r) => r.key.includes(p.search)) : ROWS).slice(p.offset, p.offset + p.limit);
      return {
        result: { ms: 1, offset: p.offset, limit: p.limit },
        buffers: [ipc({ id: rows.map((r) => r.id), key: rows.map((r) => r.key), size: rows.map((r) => r.size) })],
      };
    },
  };
  const calls: Array<{ method: string; params: any }> = [];
  const fetch = vi.fn(async (request: Request) => {
    const method = new URL(request.url).pathname.split("/rpc/")[1];
    const call = { method, params: undefined as any }; // listed when asked, its params once read
    calls.push(call);
    const { params } = await request.json();
    call.params = params;
    if (hold && method === "list_registries") await hold;
    const reply = handlers[method](params);
    const body = { ok: true, result: reply.result, buffers: (reply.buffers ?? []).map(base64) };
    return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  });
  const settings = ServerConnection.makeSettings({ baseUrl: "http://localhost/", token: "t", fetch: fetch as any });
  return { calls, client: new RpcClient(restTransport({ settings })) };
}

const INSTANCE = { name: "storage", slug: "testuser1/storage", storage: "/data/storage", database: "sqlite:///x.db", modules: [] };

describe("sidebar panel", () => {
  it("shows the instance, registries with counts and a page of the browser over REST", async () => {
    const server = fakeServer();
    const panel = sidebarPanel({ client: server.client, instance: async () => INSTANCE, insert: async () => null, pageSize: 2 });
    await panel.refresh();
    await flush();
    const el = panel.el;
    expect(el.querySelector(".lw-instance-name")!.textContent).toBe("testuser1/storage");
    const counts = [...el.querySelectorAll(".lw-registry-list li[role=option]")].map((li) => li.textContent);
    expect(counts).toEqual(["Artifact3", "ULabel4", "CellType2"]);
    expect([...el.querySelectorAll("tbody tr[data-id]")].map((tr) => tr.getAttribute("data-id"))).toEqual(["1", "2"]);
    expect(el.querySelector(".lw-total")!.textContent).toBe("3 records");
    (el.querySelector(".lw-next") as HTMLButtonElement).click();
    await flush();
    expect(server.calls.filter((c) => c.method === "page").at(-1)!.params.offset).toBe(2);
    // a search starts again on page 1
    const search = el.querySelector(".lw-search") as HTMLInputElement;
    search.value = "iris";
    search.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await flush();
    expect(server.calls.filter((c) => c.method === "page").at(-1)!.params).toMatchObject({ search: "iris", offset: 0 });
    expect(el.querySelector(".lw-total")!.textContent).toBe("1 record");
  });

  it("inserts the browser's query as code, with the import lines it needs", async () => {
    const server = fakeServer();
    const insert = vi.fn(async () => null);
    const panel = sidebarPanel({ client: server.client, instance: async () => INSTANCE, insert });
    await panel.refresh();
    await flush();
    (panel.el.querySelector("li[data-registry=ULabel]") as HTMLElement).click();
    await flush();
    (panel.el.querySelector(".lw-insert-run") as HTMLButtonElement).click();
    await flush();
    expect(insert).toHaveBeenCalledWith("ln.ULabel.filter().df()", ["import lamin_core as ln"], true);
    expect(panel.el.querySelector(".lw-insert-notice")!.textContent).toBe("inserted and running");
    // a bionty registry's code uses `bt`: both lines (the NameError of issue 18, item 5)
    (panel.el.querySelector("li[data-registry='bionty.CellType']") as HTMLElement).click();
    await flush();
    (panel.el.querySelector(".lw-insert") as HTMLButtonElement).click();
    await flush();
    expect(insert).toHaveBeenLastCalledWith("bt.CellType.filter().df()", ["import lamin_core as ln", "import lamin_core.bionty as bt"], false);
    expect(panel.el.querySelector(".lw-insert-notice")!.textContent).toBe("inserted");
  });

  it("says what to do when no instance is configured or the database is unreachable", async () => {
    const server = fakeServer();
    for (const type of ["no_instance", "database_unavailable"]) {
      const panel = sidebarPanel({
        client: server.client,
        instance: async () => {
          throw new RpcError({ type, message: `the ${type} message` });
        },
        insert: async () => null,
      });
      await panel.refresh();
      const message = panel.el.querySelector(".lw-sidebar-message") as HTMLElement;
      expect(message.hidden).toBe(false);
      expect(message.dataset.type).toBe(type);
      expect(message.textContent).toContain(`the ${type} message`);
      expect(message.textContent).toContain("then refresh");
      expect(panel.el.querySelector(".lw-browser")).toBeNull();
    }
    // asked for with the instance (to save round trips), but no page nor count without an instance
    expect(new Set(server.calls.map((c: { method: string }) => c.method))).toEqual(new Set(["list_registries", "schema"]));
  });
});

describe("sidebar opening", () => {
  it("shows the first rows without waiting for the registries' counts", async () => {
    let release = () => {};
    const server = fakeServer(new Promise<void>((resolve) => (release = resolve)));
    const panel = sidebarPanel({ client: server.client, instance: async () => INSTANCE, insert: async () => null });
    await panel.refresh();
    await flush();
    // one list of registries (the sidebar's picker; the browser inside asks for none), asked for first
    expect(server.calls.filter((c) => c.method === "list_registries").length).toBe(1);
    expect(server.calls[0].method).toBe("list_registries");
    expect(panel.el.querySelectorAll("tbody tr[data-id]").length).toBe(3);
    const count = panel.el.querySelector(".lw-picker-count")!;
    expect(count.textContent).toBe("");
    release();
    await flush();
    expect(count.textContent).toBe("3");
    expect(panel.el.querySelector(".lw-registry-picker")!.textContent).toContain("ULabel");
  });
});

describe("sidebar settings", () => {
  it("applies a new page size at once and the import setting to the next insert", async () => {
    const server = fakeServer();
    const insert = vi.fn(async () => null);
    const panel = sidebarPanel({ client: server.client, instance: async () => INSTANCE, insert, pageSize: 2 });
    await panel.refresh();
    await flush();
    panel.configure({ pageSize: 1, importLine: false });
    await flush();
    expect(panel.el.querySelectorAll("tbody tr[data-id]").length).toBe(1);
    await panel.insert(false);
    expect(insert).toHaveBeenCalledWith("ln.Artifact.filter().df()", [], false);
    panel.configure({ importLine: true });
    await panel.insert(false);
    expect(insert).toHaveBeenLastCalledWith("ln.Artifact.filter().df()", ["import lamin_core as ln"], false);
  });
});

describe("inserted cell source", () => {
  const IMPORTS = ["import lamin_core as ln", "import lamin_core.bionty as bt"];
  const CODE = "bt.CellType.filter().df()";

  it("starts with every import line in a notebook without them", () => {
    expect(cellSource(CODE, IMPORTS, [])).toBe("import lamin_core as ln\nimport lamin_core.bionty as bt\n\nbt.CellType.filter().df()");
    expect(cellSource(CODE, IMPORTS, ["", "x = 1\nprint(x)"])).toBe(`${IMPORTS.join("\n")}\n\n${CODE}`);
  });

  it("leaves out the lines a code cell already has, ignoring surrounding whitespace", () => {
    // a notebook that ran `import lamin_core as ln` only gets the bionty line
    expect(cellSource(CODE, IMPORTS, ["import json\n  import lamin_core as ln  \r\nln.ULabel.df()"])).toBe(
      "import lamin_core.bionty as bt\n\nbt.CellType.filter().df()",
    );
    // a second insert into the same notebook: the first inserted cell has both
    const first = cellSource(CODE, IMPORTS, []);
    expect(cellSource(CODE, IMPORTS, [first])).toBe(CODE);
    expect(cellSource(CODE, IMPORTS, ["import lamin_core as ln", "\timport lamin_core.bionty as bt\n"])).toBe(CODE);
  });

  it("matches whole lines only, and inserts no import when none is asked for", () => {
    const sources = ["# import lamin_core as ln", "import lamin_core as ln, lamin_widgets as lw", "import lamin_core.bionty as btx"];
    expect(cellSource(CODE, IMPORTS, sources)).toBe(`${IMPORTS.join("\n")}\n\n${CODE}`);
    expect(cellSource(CODE, [], [])).toBe(CODE);
  });
});
