import { describe, expect, it, vi } from "vitest";
import { decodeFrame } from "../src/arrow";
import { RpcClient } from "../src/rpc/client";
import { commTransport } from "../src/rpc/comm";
import { fromBase64, restTransport, xsrfToken } from "../src/rpc/rest";
import { isAbort, RpcError } from "../src/rpc/types";
import { FakeModel, ipc } from "./fake";

describe("comm transport", () => {
  it("matches responses to requests by id and decodes Arrow buffers", async () => {
    const model = new FakeModel({});
    model.handlers.page = (params) => ({ result: { offset: params.offset }, buffers: [ipc({ id: [1, 2], key: ["a", "b"] })] });
    const client = new RpcClient(commTransport(model));
    const reply = await client.call("page", { registry: "Artifact", offset: 0 });
    expect(reply.result).toEqual({ offset: 0 });
    const frame = decodeFrame(reply.buffers[0]);
    expect(frame.columns).toEqual(["id", "key"]);
    expect(frame.rows.map((r) => r.key)).toEqual(["a", "b"]);
    const request = model.requests("page")[0];
    expect(request.kind).toBe("lamin-rpc");
    expect(typeof request.id).toBe("string");
  });

  it("turns error responses into RpcError with the message", async () => {
    const model = new FakeModel({});
    const client = new RpcClient(commTransport(model));
    const error = await client.call("codegen", { registry: "Artifact" }).catch((e) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error.message).toBe("unknown method 'codegen'");
    expect(error.type).toBe("bad_request");
  });

  it("ignores messages that are not its responses", async () => {
    const model = new FakeModel({});
    commTransport(model);
    expect(() => {
      model.emit("msg:custom", { kind: "lamin-notice" }, []);
      model.emit("msg:custom", { id: "zzz", ok: true, result: 1 }, []);
      model.emit("msg:custom", null, []);
    }).not.toThrow();
  });

  it("cancels superseded requests and tells Python", async () => {
    const model = new FakeModel({});
    let release: () => void = () => {};
    model.handlers.search = (params) =>
      params.string === "i" ? new Promise((r) => (release = () => r({ result: "old" }))) : { result: params.string };
    const client = new RpcClient(commTransport(model));
    const first = client.latest("search", "search", { registry: "ULabel", string: "i" });
    const second = client.latest("search", "search", { registry: "ULabel", string: "ir" });
    const firstError = await first.catch((e) => e);
    expect(isAbort(firstError)).toBe(true);
    expect((await second).result).toBe("ir");
    release();
    const cancel = model.sent.find((m) => m.kind === "lamin-cancel");
    expect(cancel.id).toBe(model.requests("search")[0].id);
  });

  it("caches schemas per registry and forgets failures", async () => {
    const model = new FakeModel({});
    let calls = 0;
    model.handlers.schema = (params) => {
      calls++;
      if (params.registry === "Bad") throw new Error("unknown registry 'Bad'");
      return { result: { registry: params.registry } };
    };
    const client = new RpcClient(commTransport(model));
    await client.schema("Artifact");
    await client.schema("Artifact");
    expect(calls).toBe(1);
    await expect(client.schema("Bad")).rejects.toThrow("unknown registry");
    await expect(client.schema("Bad")).rejects.toThrow("unknown registry");
    expect(calls).toBe(3);
  });
});

describe("rest transport", () => {
  it("posts JSON with the XSRF token and decodes base64 buffers", async () => {
    const bytes = ipc({ id: [7] });
    const encoded = btoa(String.fromCharCode(...bytes));
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ ok: true, result: { n: 1 }, buffers: [encoded] })));
    (globalThis as any).document = { cookie: "a=1; _xsrf=tok%3D; b=2" };
    const transport = restTransport({ baseUrl: "/lab/lamin/", fetch: fetchMock as any });
    const reply = await transport.request("page", { registry: "Artifact" });
    expect(reply.result).toEqual({ n: 1 });
    expect(decodeFrame(reply.buffers[0]).rows[0].id).toBe(7);
    const [url, init] = fetchMock.mock.calls[0] as any;
    expect(url).toBe("/lab/lamin/rpc/page");
    expect(init.headers["X-XSRFToken"]).toBe("tok=");
    expect(JSON.parse(init.body)).toEqual({ params: { registry: "Artifact" } });
    delete (globalThis as any).document;
  });

  it("reports errors from the server", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ ok: false, error: { type: "bad_request", message: "nope" } }), { status: 400 }));
    const transport = restTransport({ baseUrl: "/x", fetch: fetchMock as any });
    await expect(transport.request("count", { registry: "Artifact" })).rejects.toThrow("nope");
    const html = vi.fn(async () => new Response("<html>", { status: 502, statusText: "Bad Gateway" }));
    await expect(restTransport({ baseUrl: "/x", fetch: html as any }).request("count", { registry: "Artifact" })).rejects.toThrow("HTTP 502");
  });

  it("parses cookies and base64", () => {
    expect(xsrfToken("_xsrf=abc")).toBe("abc");
    expect(xsrfToken("x=1")).toBeNull();
    expect([...fromBase64(btoa("\u0001\u0002"))]).toEqual([1, 2]);
  });
});

describe("timeouts", () => {
  it("fails requests the kernel never answers", async () => {
    vi.useFakeTimers();
    const model = new FakeModel({});
    model.handlers.count = () => new Promise(() => {});
    const transport = commTransport(model, 1000);
    const pending = transport.request("count", { registry: "Artifact" }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(1001);
    const error = await pending;
    expect(error.type).toBe("timeout");
    vi.useRealTimers();
  });
});
