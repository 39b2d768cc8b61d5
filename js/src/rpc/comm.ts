// Comm transport: requests as custom widget messages (model.send), answers via "msg:custom".
import { AbortedError, RpcError, toBytes, type Method, type Reply, type RpcResponse, type Transport } from "./types";

export interface CommModel {
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
  on(event: "msg:custom", cb: (msg: any, buffers?: unknown[]) => void): void;
  off(event: "msg:custom", cb: (msg: any, buffers?: unknown[]) => void): void;
}

interface Pending {
  resolve(reply: Reply): void;
  reject(error: unknown): void;
}

let transports = 0;

/** Requests unanswered this long fail (a dead or restarted kernel never answers). */
export const TIMEOUT_MS = 120_000;

export function commTransport(model: CommModel, timeoutMs: number = TIMEOUT_MS): Transport {
  // ids unique across the views of one model (each view has its own transport)
  const prefix = `${Date.now().toString(36)}-${++transports}`;
  let next = 0;
  const pending = new Map<string, Pending>();
  const onMessage = (msg: any, buffers?: unknown[]) => {
    if (!msg || typeof msg !== "object" || !("ok" in msg) || typeof msg.id !== "string") return;
    const waiting = pending.get(msg.id);
    if (!waiting) return;
    pending.delete(msg.id);
    const response = msg as RpcResponse;
    if (response.ok) waiting.resolve({ result: response.result, buffers: (buffers ?? []).map(toBytes) });
    else waiting.reject(new RpcError(response.error ?? { type: "error", message: "request failed" }));
  };
  model.on("msg:custom", onMessage);
  return {
    request(method: Method, params: Record<string, unknown>, signal?: AbortSignal): Promise<Reply> {
      if (signal?.aborted) return Promise.reject(new AbortedError());
      const id = `${prefix}-${++next}`;
      return new Promise<Reply>((resolve, reject) => {
        const timer = setTimeout(() => {
          if (!pending.delete(id)) return;
          reject(new RpcError({ type: "timeout", message: `no answer from the kernel after ${timeoutMs / 1000} s (busy, or restarted?)` }));
        }, timeoutMs);
        pending.set(id, {
          resolve: (reply) => {
            clearTimeout(timer);
            resolve(reply);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        signal?.addEventListener(
          "abort",
          () => {
            const waiting = pending.get(id);
            if (!waiting) return;
            pending.delete(id);
            waiting.reject(new AbortedError());
            model.send({ kind: "lamin-cancel", id });
          },
          { once: true },
        );
        model.send({ id, kind: "lamin-rpc", method, params });
      });
    },
    dispose() {
      model.off("msg:custom", onMessage);
      for (const waiting of pending.values()) waiting.reject(new AbortedError());
      pending.clear();
    },
  };
}
