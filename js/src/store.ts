// UI state behind a component: the widget model's traits in a notebook, plain memory elsewhere (the
// sidebar, or a browser opened inside the view panel).

export interface Store {
  get<T = any>(key: string): T;
  /** Set several keys at once (one sync to Python). */
  set(values: Record<string, unknown>): void;
  on(key: string, cb: () => void): () => void;
  send?(content: unknown): void;
}

export interface WidgetModel {
  get(key: string): any;
  set(key: string, value: unknown): void;
  save_changes(): void;
  on(event: string, cb: (...args: any[]) => void): void;
  off(event: string, cb: (...args: any[]) => void): void;
  send(content: unknown, callbacks?: unknown, buffers?: unknown[]): void;
}

export function modelStore(model: WidgetModel): Store {
  return {
    get: (key) => model.get(key),
    set(values) {
      for (const [key, value] of Object.entries(values)) model.set(key, value);
      model.save_changes();
    },
    on(key, cb) {
      const handler = () => cb();
      model.on(`change:${key}`, handler);
      return () => model.off(`change:${key}`, handler);
    },
    send: (content) => model.send(content),
  };
}

export function memoryStore(initial: Record<string, unknown>): Store {
  const values: Record<string, unknown> = { ...initial };
  const listeners = new Map<string, Set<() => void>>();
  return {
    get: (key) => values[key] as any,
    set(changes) {
      const changed = Object.keys(changes).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(changes[k]));
      Object.assign(values, changes);
      for (const key of changed) for (const cb of listeners.get(key) ?? []) cb();
    },
    on(key, cb) {
      if (!listeners.has(key)) listeners.set(key, new Set());
      listeners.get(key)!.add(cb);
      return () => listeners.get(key)!.delete(cb);
    },
  };
}
