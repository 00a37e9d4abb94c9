// One measured run in a process of its own, so its peak RSS is its own: `list` (the baseline: every key through
// the keys API client), `registry FORMAT` (the command itself, output discarded), `registry-all` (with revoked
// keys, whose usage it reads: one call each) or `sweep` (no cluster, no Pulumi backend: the keys API side).
// Writes its figures to a file.
import { writeFileSync } from "node:fs";
import { runRegistry } from "../../cli/commands/registry.ts";
import { runSweep } from "../../cli/commands/sweep.ts";
import { createKeysClient } from "../../core/client/index.ts";

const [mode = "list", resultFile = "", format = "json"] = process.argv.slice(2);
const started = performance.now();
let rows = 0;
if (mode === "list") {
  const client = createKeysClient({
    baseUrl: process.env.AYRA_API_URL ?? "",
    apiKey: process.env.AYRA_API_KEY ?? "",
  });
  for await (const _ of client.listAllKeys({ limit: 100 })) rows++;
} else if (mode === "registry-all") {
  await runRegistry({ format: "json", cluster: false, all: true });
} else if (mode === "sweep") {
  await runSweep({ cluster: false, clusterId: "bench", pulumiCli: "pulumi", minAge: "1h", output: "json" });
} else {
  await runRegistry({ format, cluster: false });
}
writeFileSync(
  resultFile,
  JSON.stringify({ ms: performance.now() - started, maxRssMb: process.resourceUsage().maxRSS / 1024, rows }),
);
