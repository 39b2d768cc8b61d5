// The client the components use: typed helpers over a transport, and "latest wins" request slots that
// cancel the previous request of the same kind (a new keystroke cancels the search still running).
import type { Method, MethodParams, Reply, Transport } from "./types";

export class RpcClient {
  private slots = new Map<string, AbortController>();
  private schemas = new Map<string, Promise<any>>();

  constructor(readonly transport: Transport) {}

  call<T = any, M extends Method = Method>(method: M, params: MethodParams[M], signal?: AbortSignal): Promise<Reply<T>> {
    return this.transport.request(method, params, signal) as Promise<Reply<T>>;
  }

  /** Like call(), but cancels the previous request made under the same slot name. */
  latest<T = any, M extends Method = Method>(slot: string, method: M, params: MethodParams[M]): Promise<Reply<T>> {
    this.slots.get(slot)?.abort();
    const controller = new AbortController();
    this.slots.set(slot, controller);
    return this.call<T, M>(method, params, controller.signal).finally(() => {
      if (this.slots.get(slot) === controller) this.slots.delete(slot);
    });
  }

  /** A registry's schema, fetched once per client. */
  schema(registry: string): Promise<any> {
    let found = this.schemas.get(registry);
    if (!found) {
      found = this.call("schema", { registry }).then((reply) => reply.result);
      found.catch(() => this.schemas.delete(registry));
      this.schemas.set(registry, found);
    }
    return found;
  }

  cancelAll(): void {
    for (const controller of this.slots.values()) controller.abort();
    this.slots.clear();
  }

  dispose(): void {
    this.cancelAll();
    this.transport.dispose?.();
  }
}
