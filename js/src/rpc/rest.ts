// REST transport (the JupyterLab sidebar, through the server extension): POST {base}/rpc/{method}.
// The answer is JSON `{ok, result | error, buffers: [base64, ...]}`; Jupyter's XSRF token goes along.
import { AbortedError, RpcError, type Method, type Reply, type Transport } from "./types";

export interface RestOptions {
  baseUrl: string; // e.g. `${PageConfig.getBaseUrl()}lamin`
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export function xsrfToken(cookie: string = typeof document === "undefined" ? "" : document.cookie): string | null {
  const match = cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : null;
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function restTransport(options: RestOptions): Transport {
  const doFetch = options.fetch ?? fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/$/, "");
  return {
    async request(method: Method, params: Record<string, unknown>, signal?: AbortSignal): Promise<Reply> {
      const headers: Record<string, string> = { "Content-Type": "application/json", ...options.headers };
      const xsrf = xsrfToken();
      if (xsrf) headers["X-XSRFToken"] = xsrf;
      let response: Response;
      try {
        response = await doFetch(`${base}/rpc/${method}`, {
          method: "POST",
          headers,
          body: JSON.stringify({ params }),
          signal,
          credentials: "same-origin",
        });
      } catch (error) {
        if (signal?.aborted) throw new AbortedError();
        throw error;
      }
      let body: any;
      try {
        body = await response.json();
      } catch {
        throw new RpcError({ type: "http", message: `HTTP ${response.status} ${response.statusText}` });
      }
      if (!body || !body.ok) {
        throw new RpcError(body?.error ?? { type: "http", message: `HTTP ${response.status}` });
      }
      return { result: body.result, buffers: (body.buffers ?? []).map(fromBase64) };
    },
  };
}
