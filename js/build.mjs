// Bundles each widget front end (js/src/widgets/<name>.ts) into lamin_widgets/static/<name>.js (ESM,
// minified) for anywidget's `_esm`, and the JupyterLab extension's entry (js/src/labextension/index.ts)
// into js/lib/labextension.js with JupyterLab's packages left as imports: JupyterLab's builder
// (`jupyter-builder build .`) turns that into the federated extension in lamin_widgets/labextension/.
// `--watch` rebuilds on save (dev mode).
import * as esbuild from "esbuild";
import { readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const widgets = join(here, "src", "widgets");
const outdir = join(root, "lamin_widgets", "static");
const entryPoints = readdirSync(widgets)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => join(widgets, f));

const options = {
  entryPoints,
  outdir,
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2022",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
};

const labextension = {
  entryPoints: [join(here, "src", "labextension", "index.ts")],
  outfile: join(here, "lib", "labextension.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  legalComments: "none",
  logLevel: "warning",
  external: ["@jupyterlab/*", "@lumino/*"],
};

mkdirSync(outdir, { recursive: true });
if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
  await (await esbuild.context(labextension)).watch();
  console.log(`watching js/src -> ${outdir}`);
} else {
  const result = await esbuild.build(options);
  await esbuild.build(labextension);
  const sizes = Object.entries(result.metafile.outputs).map(([file, out]) => `${file.split("/").pop()} ${(out.bytes / 1024).toFixed(1)} KB`);
  // the stamp make checks; its presence means every module was built
  writeFileSync(join(outdir, ".built"), sizes.join("\n") + "\n");
  console.log(`built ${sizes.join(", ")}`);
}
