// @vitest-environment happy-dom
// The preview area of a record page (issue 22, item 1): asked after the page is shown, never waited for;
// each kind rendered; an older record's preview cancelled by a newer one; failures are one line.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordDetail } from "../src/components/detail";
import { renderPreview } from "../src/components/preview";
import { RpcClient } from "../src/rpc/client";
import { commTransport } from "../src/rpc/comm";
import { FakeModel, flush } from "./fake";

const PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

let el: HTMLElement;
beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
});
afterEach(() => el.remove());

function page(preview: (p: any) => Promise<any> | any) {
  const model = new FakeModel({});
  model.handlers.record = (p) => ({ result: { registry: p.registry, id: p.id, uid: "u", title: `${p.registry} ${p.id}`, facts: [], relations: [], all_fields: {} } });
  model.handlers.preview = preview;
  const detail = recordDetail(new RpcClient(commTransport(model as any)), () => {});
  el.append(detail.el);
  return { model, detail };
}

describe("record page preview", () => {
  it("shows the page first, then the preview; only artifacts ask for one", async () => {
    let release!: () => void;
    const answered = new Promise<void>((r) => (release = r));
    const { model, detail } = page(async (p) => {
      await answered;
      return { result: { registry: "Artifact", id: p.id, kind: "image", format: "JPEG", width: 1200, height: 600, thumbnail: PIXEL, thumbnail_width: 256, thumbnail_height: 128 } };
    });
    await detail.show("Artifact", 3);
    const body = detail.el.querySelector(".lw-preview-body") as HTMLElement;
    expect(detail.el.querySelector(".lw-record-title")!.textContent).toBe("Artifact 3");
    expect(body.getAttribute("aria-busy")).toBe("true");
    expect(body.textContent).toBe("Loading the preview…");
    release();
    await flush();
    const img = body.querySelector("img")!;
    expect(img.getAttribute("src")).toBe(PIXEL);
    expect(img.getAttribute("alt")).toBe("Thumbnail of Artifact 3");
    expect(body.textContent).toBe("1,200 × 600 px · JPEG");
    expect(body.hasAttribute("aria-busy")).toBe(false);
    expect(model.requests("preview").map((r) => r.params)).toEqual([{ registry: "Artifact", id: 3 }]);

    await detail.show("ULabel", 2);
    await flush();
    expect(detail.el.querySelector(".lw-preview")).toBeNull();
    expect(model.requests("preview")).toHaveLength(1);
  });

  it("cancels the preview of the record left for another", async () => {
    const { model, detail } = page(() => new Promise(() => {}));
    await detail.show("Artifact", 1);
    await detail.show("Artifact", 2);
    await flush();
    const cancels = model.sent.filter((m) => m.kind === "lamin-cancel");
    expect(cancels.map((m) => m.id)).toContain(model.requests("preview")[0].id);
  });

  it("renders tables, AnnData, folders and one-line messages", async () => {
    const body = document.createElement("div");
    renderPreview(body, { kind: "table", format: "parquet", n_rows: 150, n_columns: 2, columns: [{ name: "sepal_length", type: "double" }, { name: "species", type: "string" }], rows: [["5.1", "setosa"], ["4.9", null]] }, "iris");
    expect(body.querySelector(".lw-preview-caption")!.textContent).toBe("parquet · first 2 of 150 rows · 2 columns");
    expect([...body.querySelectorAll("th")].map((th) => th.textContent)).toEqual(["sepal_lengthdouble", "speciesstring"]);
    expect([...body.querySelectorAll("tbody tr")].map((tr) => tr.textContent)).toEqual(["5.1setosa", "4.9null"]);
    expect([...body.querySelectorAll("tbody tr:first-child td")].map((td) => td.className)).toEqual(["lw-num", ""]);

    renderPreview(body, { kind: "anndata", n_obs: 3, n_vars: 3, x: { format: "dense", dtype: "float32" }, obs: [{ name: "cell_type", type: "category", categories: ["B cell", "T cell"], n_categories: 25 }, { name: "n", type: "int64" }], n_obs_columns: 2, var_head: ["CD8A", "CD4", "CD14"], keys: { obsm: ["X_umap"], uns: [] } }, "x");
    expect(body.querySelector(".lw-preview-caption")!.textContent).toBe("3 obs × 3 vars · X dense float32");
    expect([...body.querySelectorAll("dd")[0].querySelectorAll(".lw-preview-tag")].map((t) => t.textContent)).toEqual(["B cell", "T cell"]);
    expect(body.querySelectorAll("dd")[0].textContent).toBe("B cellT cell… 25 in all");
    expect(body.querySelectorAll("dd")[1].textContent).toBe("int64");
    expect([...body.querySelectorAll(".lw-preview-names .lw-preview-tag")].map((t) => t.textContent)).toEqual(["CD8A", "CD4", "CD14"]);
    expect(body.textContent).toContain("obsmX_umap");
    expect(body.querySelectorAll(".lw-preview-tags")).toHaveLength(3); // categories, var names, obsm keys
    expect(body.textContent).not.toContain("uns");

    renderPreview(body, { kind: "folder", files: [{ name: "a/b.csv", size: 2048 }], more: true }, "f");
    expect(body.textContent).toBe("a/b.csv2.0 kBthe first 1 file; more not listed");

    renderPreview(body, { kind: "error", message: "cannot read the file: Parquet magic bytes not found" }, "f");
    expect(body.querySelector(".lw-error")!.textContent).toBe("cannot read the file: Parquet magic bytes not found");
    renderPreview(body, { kind: "none", message: "no preview for .fastq.gz files" }, "f");
    expect(body.querySelector(".lw-muted")!.textContent).toBe("no preview for .fastq.gz files");
  });

  it("shows a failed request as one line in the preview area", async () => {
    const { detail } = page(() => {
      throw new Error("preview: the request was cancelled");
    });
    await detail.show("Artifact", 1);
    await flush();
    expect(detail.el.querySelector(".lw-preview .lw-error")!.textContent).toContain("the request was cancelled");
  });
});
