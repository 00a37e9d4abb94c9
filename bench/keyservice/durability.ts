// The cost of durability: creates per second on SQLite with synchronous=FULL (the default: every commit
// reaches the disk before it is acknowledged) against the opt-in NORMAL, in the same run, alternated,
// median of the rounds. Each create is one write transaction (key, audit event, replay record).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/harness/ports.ts";
import { startProcess } from "../../test/harness/processes.ts";
import { waitFor } from "../../test/harness/wait.ts";

const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const CREATES = Number(process.env.BENCH_DURABILITY_CREATES ?? 2_000);
const CONCURRENCY = 16;
const ROUNDS = 3;

async function createsPerSecond(mode: "full" | "normal"): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "ayra-keys-bench-durability-"));
  const port = await freePort();
  const adminFile = join(dir, "admin-key");
  const proc = startProcess({
    name: `ayra-keys serve (synchronous=${mode})`,
    command: process.execPath,
    args: [
      main,
      "serve",
      "--listen",
      `127.0.0.1:${port}`,
      "--data-dir",
      dir,
      "--admin-key-file",
      adminFile,
    ].concat(["--rate-limit", "1000000", "--sqlite-synchronous", mode]),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor("the keys service", async () => (await fetch(`${url}/readyz`)).ok, {
      timeoutMs: 60_000,
      context: () => proc.output(),
    });
    const admin = (await readFile(adminFile, "utf8")).trim();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CREATES) {
          const i = next++;
          const res = await fetch(`${url}/v1/api_keys`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${admin}`,
              "content-type": "application/json",
              "idempotency-key": `bench-${i}`,
            },
            body: JSON.stringify({ name: `Durability ${i}`, environment: "test", scopes: ["agents:read"] }),
          });
          await res.text();
          if (res.status !== 201) throw new Error(`create answered ${res.status}`);
        }
      }),
    );
    return CREATES / ((performance.now() - started) / 1000);
  } finally {
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function run(): Promise<{ name: string; figures: Record<string, number | string> }> {
  const full: number[] = [];
  const normal: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    full.push(await createsPerSecond("full"));
    normal.push(await createsPerSecond("normal"));
  }
  const f = median(full);
  const n = median(normal);
  return {
    name: "keyservice.durability",
    figures: {
      creates: CREATES,
      concurrency: CONCURRENCY,
      "sqlite.full.createsPerSecond": Math.round(f),
      "sqlite.normal.createsPerSecond": Math.round(n),
      "sqlite.fullToNormalRatio": Math.round((f / n) * 100) / 100,
    },
  };
}
