// The request/response protocol shared with Python (lamin_widgets/protocol/): the method names and
// parameters come from the method table (methods.ts, generated), the messages mirror protocol/types.py.
import type { Method, MethodParams } from "./methods";

export type { ErrorType, FilterSpec, Method, MethodParams } from "./methods";

export interface RpcRequest<M extends Method = Method> {
  id: string;
  kind: "lamin-rpc";
  method: M;
  params: MethodParams[M];
}

export interface RpcErrorBody {
  /** An ErrorType of the protocol, or "http" when the server's answer was not the protocol's. */
  type: string;
  message: string;
}

export interface RpcResponse {
  id: string | number | null;
  ok: boolean;
  result?: any;
  error?: RpcErrorBody;
}

export interface Reply<T = any> {
  result: T;
  buffers: Uint8Array[];
}

/** Moves requests to Python and back: the kernel comm in a notebook, HTTP in the sidebar. */
export interface Transport {
  request<M extends Method>(method: M, params: MethodParams[M], signal?: AbortSignal): Promise<Reply>;
  dispose?(): void;
}

export class RpcError extends Error {
  type: string;
  constructor(body: RpcErrorBody) {
    super(body.message);
    this.type = body.type;
    this.name = "RpcError";
  }
}

export class AbortedError extends Error {
  constructor() {
    super("aborted");
    this.name = "AbortError";
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || (error as RpcError).type === "cancelled");
}

/** Buffers as they arrive (DataView, ArrayBuffer, typed arrays) as Uint8Array views. */
export function toBytes(buffer: unknown): Uint8Array {
  if (buffer instanceof Uint8Array) return buffer;
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  throw new TypeError("not a binary buffer");
}
