// Builds the dashboard into web/dist/: one hashed script and one hashed stylesheet, and an index.html that
// references them. No inline script or style (the service's Content-Security-Policy forbids both) and nothing
// loaded from elsewhere at run time.
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const web = fileURLToPath(new URL(".", import.meta.url));
const dist = join(web, "dist");

export async function buildDashboard(options: { outDir?: string } = {}): Promise<{ files: string[] }> {
  const outDir = options.outDir ?? dist;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, "assets"), { recursive: true });
  const result = await build({
    entryPoints: [join(web, "src", "main.tsx"), join(web, "src", "styles.css")],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: join(outDir, "assets"),
    entryNames: "[name]-[hash]",
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => relative(outDir, file));
  const script = outputs.find((f) => f.endsWith(".js"));
  const style = outputs.find((f) => f.endsWith(".css"));
  if (script === undefined || style === undefined) throw new Error("esbuild wrote no script or stylesheet");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>API keys · ayra-keys</title>
<link rel="stylesheet" href="/${style}">
<script type="module" src="/${script}"></script>
</head>
<body>
<div id="app"><main><h1>API keys</h1><p>Loading…</p></main></div>
</body>
</html>
`;
  await writeFile(join(outDir, "index.html"), html);
  return { files: ["index.html", ...(await readdir(join(outDir, "assets"))).map((f) => `assets/${f}`)] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files } = await buildDashboard();
  process.stdout.write(`dashboard built into web/dist: ${files.join(", ")}\n`);
}
