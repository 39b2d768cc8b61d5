// A fake widget model and a fake Python side answering RPC requests, for the front-end tests.
import { tableFromArrays, tableToIPC } from "@uwdata/flechette";

type Handler = (params: any) => { result: any; buffers?: Uint8Array[] } | Promise<{ result: any; buffers?: Uint8Array[] }>;

export class FakeModel {
  state: Record<string, any>;
  listeners = new Map<string, Set<(...args: any[]) => void>>();
  sent: any[] = [];
  handlers: Record<string, Handler> = {};
  saves = 0;

  constructor(state: Record<string, any>) {
    this.state = { ...state };
  }
  get(key: string) {
    return this.state[key];
  }
  set(key: string, value: unknown) {
    const changed = JSON.stringify(this.state[key]) !== JSON.stringify(value);
    this.state[key] = value;
    if (changed) this.emit(`change:${key}`);
  }
  save_changes() {
    this.saves++;
  }
  on(event: string, cb: (...args: any[]) => void) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(cb);
  }
  off(event: string, cb: (...args: any[]) => void) {
    this.listeners.get(event)?.delete(cb);
  }
  emit(event: string, ...args: any[]) {
    for (const cb of [...(this.listeners.get(event) ?? [])]) cb(...args);
  }
  send(content: any) {
    this.sent.push(content);
    if (content.kind !== "lamin-rpc") return;
    const handler = this.handlers[content.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown method '${content.method}'`);
        return handler(content.params);
      })
      .then(
        (reply) => this.emit("msg:custom", { id: content.id, ok: true, result: reply.result }, (reply.buffers ?? []).map((b) => new DataView(b.buffer, b.byteOffset, b.byteLength))),
        (error) => this.emit("msg:custom", { id: content.id, ok: false, error: { type: "bad_request", message: String(error.message) } }, []),
      );
  }
  requests(method: string) {
    return this.sent.filter((m) => m.kind === "lamin-rpc" && m.method === method);
  }
}

export function ipc(columns: Record<string, unknown[]>): Uint8Array {
  return tableToIPC(tableFromArrays(columns as any), { format: "stream" })!;
}

export const flush = async (ms = 0) => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, ms));
};
