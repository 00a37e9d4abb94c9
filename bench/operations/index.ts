// `ayra-keys registry` over 10,000 keys: wall time and peak RSS per format, against a baseline measured in the
// same run, listing the same keys through the keys API client alone (what any registry must at least do).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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
    } finally {
      await serve.proc.stop();
    }
  } finally {
    await removeTempDir(dir);
  }
  return { name: "operations", figures };
}
