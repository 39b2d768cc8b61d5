// Shared anywidget glue: styles, a comm-backed RPC client, and a Store over the model's traits.
import { RpcClient } from "./rpc/client";
import { commTransport } from "./rpc/comm";
import { modelStore, type Store, type WidgetModel } from "./store";
import { ensureStyles } from "./ui/styles";

export function mount(
  model: WidgetModel,
  el: HTMLElement,
  build: (client: RpcClient, store: Store) => { el: HTMLElement; destroy(): void },
): () => void {
  ensureStyles();
  const client = new RpcClient(commTransport(model));
  const store = modelStore(model);
  const view = build(client, store);
  el.classList.add("lamin-widget");
  el.append(view.el);
  // notices from Python (e.g. an on_submit callback that raised)
  const onNotice = (msg: any) => {
    if (msg && msg.kind === "lamin-notice") {
      const notice = document.createElement("div");
      notice.className = "lw-error";
      notice.setAttribute("role", "alert");
      notice.textContent = String(msg.message);
      view.el.append(notice);
    }
  };
  model.on("msg:custom", onNotice);
  return () => {
    model.off("msg:custom", onNotice);
    view.destroy();
    client.dispose();
  };
}
