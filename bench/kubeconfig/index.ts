// The controller's memory for reaching a cluster: process RSS after importing a kubeconfig loader and loading
// a kubeconfig, for ours (controller/kube/kubeconfig.ts with its REST client) and for @kubernetes/client-node's
// KubeConfig, against a bare Node process measured in the same run. Each case runs in a fresh process,
// five times; the median is reported. Ours is compiled to JavaScript first (esbuild, dependencies left
// external), as the installed package runs it: Node's TypeScript stripping of the source tree would add
// memory the product never pays.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: c
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443", certificate-authority-data: ${Buffer.from("CA").toString("base64")} } }]
users: [{ name: u, user: { token: abc } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
`;

const CASES = {
  baseline: "",
  ours: `const { loadKubeAccess, KubeRest } = await import(process.env.LOADER);
new KubeRest({ access: loadKubeAccess({ kubeconfig: process.env.KC }) });`,
  clientNode: `const { KubeConfig } = await import("@kubernetes/client-node");
const kc = new KubeConfig(); kc.loadFromFile(process.env.KC); kc.getCurrentCluster();`,
} as const;

async function rss(code: string, kc: string): Promise<number> {
  const script = `${code}\nglobalThis.gc?.(); process.stdout.write(String(process.memoryUsage().rss));`;
  const { stdout } = await exec(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
    cwd: root,
    // NODE_PATH: the compiled loader, outside the tree, still finds yaml in the project's node_modules.
    env: {
      ...process.env,
      KC: kc,
      NODE_PATH: join(root, "node_modules"),
      LOADER: join(kc, "..", "loader.mjs"),
    },
  });
  return Number(stdout);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;

async function measure(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), "bench-kc-"));
  try {
    const kc = join(dir, "config");
    await writeFile(kc, KUBECONFIG);
    const { build } = await import("esbuild");
    await build({
      stdin: {
        contents:
          'export { loadKubeAccess } from "./controller/kube/kubeconfig.ts";\nexport { KubeRest } from "./controller/kube/rest.ts";\n',
        resolveDir: root,
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      packages: "external",
      outfile: join(dir, "loader.mjs"),
      logLevel: "warning",
    });
    const samples: Record<keyof typeof CASES, number[]> = { baseline: [], ours: [], clientNode: [] };
    for (let i = 0; i < 5; i++)
      for (const [name, code] of Object.entries(CASES))
        samples[name as keyof typeof CASES].push(await rss(code, kc));
    const base = median(samples.baseline);
    const ours = median(samples.ours);
    const clientNode = median(samples.clientNode);
    return {
      baseline_rss_mb: mb(base),
      ours_rss_mb: mb(ours),
      client_node_rss_mb: mb(clientNode),
      ours_over_baseline_mb: mb(ours - base),
      client_node_over_baseline_mb: mb(clientNode - base),
      client_node_over_ours_ratio: Math.round(((clientNode - base) / Math.max(ours - base, 1)) * 10) / 10,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<{ name: string; figures: Record<string, number> }> {
  return { name: "kubeconfig", figures: await measure() };
}
