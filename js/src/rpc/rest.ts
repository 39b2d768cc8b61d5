// REST transport (the JupyterLab sidebar, through the server extension): POST {base}lamin/api/rpc/{method}
// with `{"params"}`, through JupyterLab's ServerConnection (the server's base URL, token and XSRF header).
// A one-table answer comes as the raw Arrow IPC stream (the request accepts it) with the JSON result in the
// X-Lamin-Result header; other answers as JSON `{ok, result | error, buffers: [base64, ...]}`.
import { URLExt } from "@jupyterlab/coreutils";
import { ServerConnection } from "@jupyterlab/services";
import type { MethodParams } from "./methods";
import { AbortedError, RpcError, type Method, type Reply, type Transport } from "./types";

export const ARROW = "application/vnd.apache.arrow.stream";
export const API = "lamin/api";

export interface RestOptions {
  /** The Jupyter server's connection settings (default: JupyterLab's, from the page). */
  settings?: ServerConnection.ISettings;
  /** Ask for pages as raw Arrow IPC (default) or as base64 inside JSON. */
  arrow?: boolean;
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** One request to the server extension; an aborted one rejects with AbortedError, a failed one with RpcError. */
async function send(settings: ServerConnection.ISettings, path: string, init: RequestInit): Promise<Response> {
  try {
    return await ServerConnection.makeRequest(URLExt.join(settings.baseUrl, API, path), init, settings);
  } catch (error) {
    if (init.signal?.aborted) throw new AbortedError();
    throw new RpcError({ type: "http", message: `the Jupyter server did not answer: ${(error as Error).message}` });
  }
}

/** The JSON answer `{ok, result | error, ...}`, or an RpcError saying why there is none. */
async function answer(response: Response, signal?: AbortSignal | null): Promise<any> {
  let body: any;
  try {
    body = await response.json();
  } catch {
    if (signal?.aborted) throw new AbortedError();
    throw new RpcError({ type: "http", message: `the lamin server extension did not answer (HTTP ${response.status} ${response.statusText}); is it enabled?` });
  }
  if (!body || !body.ok) throw new RpcError(body?.error ?? { type: "http", message: `HTTP ${response.status}` });
  return body;
}

export function restTransport(options: RestOptions = {}): Transport {
  const settings = options.settings ?? ServerConnection.makeSettings();
  const accept = options.arrow === false ? "application/json" : `${ARROW}, application/json`;
  return {
    async request<M extends Method>(method: M, params: MethodParams[M], signal?: AbortSignal): Promise<Reply> {
      const init: RequestInit = {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: accept },
        body: JSON.stringify({ params }),
        signal,
      };
      const response = await send(settings, `rpc/${method}`, init);
      if (response.ok && (response.headers.get("Content-Type") ?? "").startsWith(ARROW)) {
        try {
          const result = JSON.parse(response.headers.get("X-Lamin-Result") ?? "null");
          return { result, buffers: [new Uint8Array(await response.arrayBuffer())] };
        } catch (error) {
          if (signal?.aborted) throw new AbortedError();
          throw error;
        }
      }
      const body = await answer(response, signal);
      return { result: body.result, buffers: (body.buffers ?? []).map(fromBase64) };
    },
  };
}

/** The served instance (`GET {base}lamin/api/instance`); rejects with an RpcError (no_instance, ...). */
export async function fetchInstance<T = unknown>(settings: ServerConnection.ISettings = ServerConnection.makeSettings()): Promise<T> {
  return (await answer(await send(settings, "instance", { method: "GET" }))).result;
}
