// JupyterLab 4 extension: the "Lamin" left-sidebar panel over the server extension's REST API
// (/lamin/api/), with commands in the palette and a settings schema (js/schema/plugin.json).
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { ISettingRegistry } from "@jupyterlab/settingregistry";
import { addIcon, caretDownIcon, copyIcon, LabIcon, listIcon, refreshIcon, runIcon, tableRowsIcon } from "@jupyterlab/ui-components";
import { Widget } from "@lumino/widgets";
import { cellSource, sidebarPanel, type InstanceInfo } from "../components/sidebar";
import { RpcClient } from "../rpc/client";
import { fetchInstance, restTransport } from "../rpc/rest";
import { ensureStyles } from "../ui/styles";

const PLUGIN_ID = "lamin-widgets:plugin";
const CATEGORY = "Lamin";
const COMMANDS = {
  open: "lamin:open",
  refresh: "lamin:refresh",
  insert: "lamin:insert-code",
  insertRun: "lamin:insert-and-run",
};

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
<g class="jp-icon3" fill="#616161"><path d="M4 3h3v15h10v3H4z"/><circle cx="17" cy="8" r="4"/></g></svg>`;
export const laminIcon = new LabIcon({ name: "lamin-widgets:lamin", svgstr: ICON_SVG });

/** Code below the active cell of the current notebook (a cell of its own, after the imports it lacks), optionally run. */
async function insertIntoNotebook(app: JupyterFrontEnd, code: string, imports: string[], run: boolean): Promise<string | null> {
  const panel: any = app.shell.currentWidget;
  const notebook = panel?.content;
  if (!notebook || !notebook.model || typeof notebook.activeCellIndex !== "number" || !panel.sessionContext) {
    return "open a notebook first: the code goes below its active cell";
  }
  const shared = notebook.model.sharedModel;
  const sources: string[] = shared.cells.filter((cell: any) => cell.cell_type === "code").map((cell: any) => cell.getSource());
  const index = notebook.activeCellIndex + 1;
  shared.insertCell(index, { cell_type: "code", source: cellSource(code, imports, sources) });
  notebook.activeCellIndex = index;
  app.shell.activateById(panel.id);
  if (run) await app.commands.execute("notebook:run-cell");
  return null;
}

class SidebarWidget extends Widget {
  constructor(private onShow: () => void) {
    super();
  }

  protected onAfterShow(): void {
    this.onShow();
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: "A lamin registry browser in the left sidebar",
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry],
  activate: async (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null,
  ) => {
    ensureStyles();
    let settings = { pageSize: 20, registry: "Artifact", importLine: true };
    let loadedSettings: ISettingRegistry.ISettings | null = null;
    if (registry) {
      try {
        loadedSettings = await registry.load(PLUGIN_ID);
        settings = { ...settings, ...(loadedSettings.composite as any) };
      } catch (error) {
        console.warn("lamin-widgets: settings not loaded", error);
      }
    }
    // JupyterLab's connection to its server (base URL, token, XSRF); pages come as raw Arrow IPC
    const server = app.serviceManager.serverSettings;
    const client = new RpcClient(restTransport({ settings: server }));
    const sidebar = sidebarPanel({
      client,
      instance: () => fetchInstance<InstanceInfo>(server),
      insert: (code, imports, run) => insertIntoNotebook(app, code, imports, run),
      pageSize: settings.pageSize,
      registry: settings.registry,
      importLine: settings.importLine,
      // JupyterLab's own icons, so the toolbar looks and themes like the file browser's
      icons: { refresh: refreshIcon, insert: addIcon, run: runIcon, list: listIcon, table: tableRowsIcon, copy: copyIcon, caret: caretDownIcon },
    });
    // the first load waits until the panel is shown (no requests for a closed panel)
    let loaded = false;
    const load = () => {
      if (!loaded) {
        loaded = true;
        sidebar.refresh();
      }
    };
    loadedSettings?.changed.connect((changed) => sidebar.configure(changed.composite as any));
    const widget = new SidebarWidget(load);
    widget.id = "lamin-sidebar";
    widget.title.icon = laminIcon;
    widget.title.caption = "Lamin";
    widget.addClass("lamin-widget");
    widget.addClass("lamin-sidebar");
    widget.node.style.overflow = "auto";
    widget.node.append(sidebar.el);
    app.shell.add(widget, "left", { rank: 600 });
    restorer?.add(widget, "lamin-sidebar");
    app.restored.then(() => widget.isVisible && load());

    app.commands.addCommand(COMMANDS.open, {
      label: "Open the Lamin Panel",
      icon: laminIcon,
      execute: () => {
        app.shell.activateById(widget.id);
        load();
      },
    });
    app.commands.addCommand(COMMANDS.refresh, {
      label: "Refresh the Lamin Panel",
      execute: () => {
        loaded = true;
        return sidebar.refresh();
      },
    });
    app.commands.addCommand(COMMANDS.insert, { label: "Insert Lamin Code Below the Active Cell", execute: () => sidebar.insert(false) });
    app.commands.addCommand(COMMANDS.insertRun, { label: "Insert and Run Lamin Code", execute: () => sidebar.insert(true) });
    for (const command of Object.values(COMMANDS)) palette?.addItem({ command, category: CATEGORY });
    document.body.dataset.laminSidebar = "activated";
  },
};

export default plugin;
