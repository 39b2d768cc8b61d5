import { describe, expect, it, vi } from "vitest";
import { decodeFrame } from "../src/arrow";
import { RpcClient } from "../src/rpc/client";
import { commTransport } from "../src/rpc/comm";
import { ServerConnection } from "@jupyterlab/services";
import { ARROW, fetchInstance, fromBase64, restTransport } from "../src/rpc/rest";
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
  // JupyterLab's connection settings with a fetch that answers like the server extension
  const server = (answer: (request: Request) => Response | Promise<Response>, token = "tok") => {
    const fetch = vi.fn(async (request: Request) => answer(request));
    return { fetch, settings: ServerConnection.makeSettings({ baseUrl: "http://localhost/lab/", token, fetch: fetch as any }) };
  };

  it("asks for Arrow through ServerConnection (base URL, token, XSRF) and reads the raw stream", async () => {
    const { fetch, settings } = server(
      () => new Response(ipc({ id: [7, 8] }) as BodyInit, { headers: { "Content-Type": ARROW, "X-Lamin-Result": JSON.stringify({ offset: 0 }) } }),
    );
    (globalThis as any).document = { cookie: "a=1; _xsrf=2|ab|cd; b=2" };
    const reply = await restTransport({ settings }).request("page", { registry: "Artifact" });
    delete (globalThis as any).document;
    expect(reply.result).toEqual({ offset: 0 });
    expect(decodeFrame(reply.buffers[0]).rows.map((r) => r.id)).toEqual([7, 8]);
    const request = fetch.mock.calls[0][0] as Request;
    expect(request.method).toBe("POST");
    expect(request.url.split("?")[0]).toBe("http://localhost/lab/lamin/api/rpc/page");
    expect(request.headers.get("Accept")).toBe(`${ARROW}, application/json`);
    expect(request.headers.get("Authorization")).toBe("token tok");
    expect(request.headers.get("X-XSRFToken")).toBe("2|ab|cd");
    expect(await request.json()).toEqual({ params: { registry: "Artifact" } });
  });

  it("reads JSON answers with base64 buffers (several tables, or JSON asked for)", async () => {
    const encoded = btoa(String.fromCharCode(...ipc({ id: [7] })));
    const { fetch, settings } = server(
      () => new Response(JSON.stringify({ ok: true, result: { n: 1 }, buffers: [encoded] }), { headers: { "Content-Type": "application/json" } }),
    );
    const reply = await restTransport({ settings, arrow: false }).request("view", {});
    expect(reply.result).toEqual({ n: 1 });
    expect(decodeFrame(reply.buffers[0]).rows[0].id).toBe(7);
    expect((fetch.mock.calls[0][0] as Request).headers.get("Accept")).toBe("application/json");
  });

  it("reports errors from the server, and answers that are not the extension's", async () => {
    const error = { ok: false, error: { type: "bad_request", message: "nope" } };
    const { settings } = server(() => new Response(JSON.stringify(error), { status: 400 }));
    const failed = await restTransport({ settings }).request("count", { registry: "Artifact" }).catch((e) => e);
    expect(failed).toBeInstanceOf(RpcError);
    expect([failed.type, failed.message]).toEqual(["bad_request", "nope"]);
    const html = server(() => new Response("<html>", { status: 502, statusText: "Bad Gateway" }));
    await expect(restTransport({ settings: html.settings }).request("count", { registry: "Artifact" })).rejects.toThrow("HTTP 502");
    const down = server(() => Promise.reject(new TypeError("Failed to fetch")));
    await expect(fetchInstance(down.settings)).rejects.toThrow("the Jupyter server did not answer: Failed to fetch");
  });

  it("reads the instance, and turns an aborted request into an AbortError", async () => {
    const { fetch, settings } = server((request) =>
      request.url.includes("/instance")
        ? new Response(JSON.stringify({ ok: true, result: { slug: "testuser1/storage" } }))
        : new Promise<Response>((_, reject) => request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")))),
    );
    expect(await fetchInstance(settings)).toEqual({ slug: "testuser1/storage" });
    expect((fetch.mock.calls[0][0] as Request).method).toBe("GET");
    const controller = new AbortController();
    const pending = restTransport({ settings }).request("count", { registry: "Artifact" }, controller.signal).catch((e) => e);
    controller.abort();
    expect(isAbort(await pending)).toBe(true);
  });

  it("decodes base64", () => {
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
