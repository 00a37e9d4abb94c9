// `ayra-keys registry` over 10,000 keys: wall time and peak RSS per format, against a baseline measured in the
// same run, listing the same keys through the keys API client alone (what any registry must at least do). Then
// with 1,000 of them revoked: `registry --all` (one usage read per revoked key, for revoked_attempts) against
// `registry --format json` over the same keys; and `sweep` (its keys-API side) against the list.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKeysClient } from "../../core/client/index.ts";
import { startProcess } from "../../test/harness/processes.ts";
import { makeTempDir, removeTempDir } from "../../test/harness/temp-dirs.ts";
import { populate } from "../keyservice/populate.ts";
import { startServe } from "../keyservice/serve.ts";

const KEYS = 10_000;
const child = fileURLToPath(new URL("./child.ts", import.meta.url));
const round = (n: number, digits = 0) => Number(n.toFixed(digits));

interface Measured {
  ms: number;
  maxRssMb: number;
  rows: number;
}

async function measure(dir: string, env: NodeJS.ProcessEnv, args: string[]): Promise<Measured> {
  const out = join(dir, `result-${args.join("-")}.json`);
  const proc = startProcess({
    name: `bench ${args.join(" ")}`,
    command: process.execPath,
    args: [child, args[0] ?? "list", out, ...args.slice(1)],
    env,
  });
  await proc.exited;
  return JSON.parse(await readFile(out, "utf8")) as Measured;
}

export async function run(): Promise<{ name: string; figures: Record<string, number | string> }> {
  const dir = await makeTempDir("ayra-keys-bench-ops-");
  const figures: Record<string, number | string> = { keys: KEYS };
  try {
    const database = `sqlite:${join(dir, "keys.db")}`;
    await populate({ database, keyringPath: join(dir, "keyring.json"), count: KEYS, sample: 1 });
    const serve = await startServe(dir, database, { rateLimit: 10_000_000 });
    try {
      const env = { ...process.env, AYRA_API_URL: serve.url, AYRA_API_KEY: serve.admin };
      await measure(dir, env, ["list"]); // warm the service's caches
      const list = await measure(dir, env, ["list"]);
      figures["list.seconds"] = round(list.ms / 1000, 2);
      figures["list.peakRssMb"] = round(list.maxRssMb);
      for (const format of ["json", "csv", "table"]) {
        const r = await measure(dir, env, ["registry", format]);
        figures[`registry.${format}.seconds`] = round(r.ms / 1000, 2);
        figures[`registry.${format}.peakRssMb`] = round(r.maxRssMb);
        figures[`registry.${format}.timeRatioToList`] = round(r.ms / list.ms, 2);
        figures[`registry.${format}.rssRatioToList`] = round(r.maxRssMb / list.maxRssMb, 2);
      }
      const sweep = await measure(dir, env, ["sweep"]);
      figures["sweep.seconds"] = round(sweep.ms / 1000, 2);
      figures["sweep.peakRssMb"] = round(sweep.maxRssMb);
      figures["sweep.timeRatioToList"] = round(sweep.ms / list.ms, 2);
      const revoked = await revokeEvery(serve.url, serve.admin, 10);
      figures["revoked.keys"] = revoked;
      const working = await measure(dir, env, ["registry", "json"]);
      const all = await measure(dir, env, ["registry-all"]);
      figures["registry.all.usageReads"] = revoked;
      figures["registry.all.seconds"] = round(all.ms / 1000, 2);
      figures["registry.all.peakRssMb"] = round(all.maxRssMb);
      figures["registry.all.timeRatioToWorkingOnly"] = round(all.ms / working.ms, 2);
      figures["registry.all.msPerUsageRead"] = round((all.ms - working.ms) / revoked, 2);
    } finally {
      await serve.proc.stop();
    }
  } finally {
    await removeTempDir(dir);
  }
  return { name: "operations", figures };
}

/** Revokes every `nth` key through the keys API (as people do); answers how many. */
async function revokeEvery(baseUrl: string, apiKey: string, nth: number): Promise<number> {
  const client = createKeysClient({ baseUrl, apiKey });
  const ids: string[] = [];
  let i = 0;
  // The populated keys only: never the admin key the benchmark itself uses.
  for await (const key of client.listAllKeys({ metadata: { bench: "true" }, limit: 100 }))
    if (i++ % nth === 0) ids.push(key.id);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) await client.revokeKey(ids[next++] as string, { reason: "unused" });
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids.length;
}
