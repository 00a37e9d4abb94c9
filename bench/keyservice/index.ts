// Keys service benchmark: introspection throughput and latency with 100,000 stored keys, on SQLite and on
// PostgreSQL, against a bare node:http server answering a constant, in the same run on the same machine.
// The bench key's rate limit is raised; the 429 path is measured apart. Also create-key latency.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/harness/ports.ts";
import { startPostgres } from "../../test/harness/postgres.ts";
import { type ManagedProcess, startProcess } from "../../test/harness/processes.ts";
import { waitFor } from "../../test/harness/wait.ts";
import { wrk } from "../wrk.ts";
import { populate } from "./populate.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const STORED = Number(process.env.BENCH_KEYS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

async function luaScript(dir: string, admin: string, keys: string[]): Promise<string> {
  // Holds key values: private file in a private temp dir, deleted with it.
  const path = join(dir, "introspect.lua");
  const bodies = keys.map((k) => `'{"key":"${k}"}'`).join(",\n");
  await writeFile(
    path,
    `local bodies = {${bodies}}
local i = 0
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer ${admin}" }
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/api_keys/introspect", headers, bodies[i])
end
`,
    { mode: 0o600 },
  );
  return path;
}

async function startServe(
  dir: string,
  database: string,
  rateLimit: number,
): Promise<{ proc: ManagedProcess; url: string; admin: string }> {
  const port = await freePort();
  const adminFile = join(dir, "admin-key");
  const proc = startProcess({
    name: "ayra-keys serve",
    command: process.execPath,
    args: [
      main,
      "serve",
      "--listen",
      `127.0.0.1:${port}`,
      "--data-dir",
      dir,
      "--database",
      database,
      "--admin-key-file",
      adminFile,
      "--rate-limit",
      String(rateLimit),
    ],
    env: { ...process.env, AYRA_KEYS_LOG_LEVEL: "warn" },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor("the keys service", async () => (await fetch(`${url}/readyz`)).ok, {
    timeoutMs: 60_000,
    context: () => proc.output(),
  });
  return { proc, url, admin: (await readFile(adminFile, "utf8")).trim() };
}

async function createLatency(
  url: string,
  admin: string,
  n: number,
): Promise<{ p50Ms: number; p99Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const res = await fetch(`${url}/v1/api_keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ name: `Created ${i}`, environment: "test", scopes: ["agents:read"] }),
    });
    await res.text();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return {
    p50Ms: times[Math.floor(n * 0.5)] ?? Number.NaN,
    p99Ms: times[Math.floor(n * 0.99)] ?? Number.NaN,
  };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function run(): Promise<{ name: string; figures: Record<string, number | string> }> {
  const figures: Record<string, number | string> = { storedKeys: STORED, secondsPerRun: SECONDS };
  const dir = await mkdtemp(join(tmpdir(), "ayra-keys-bench-ks-"));
  const pg = await startPostgres();
  const running: ManagedProcess[] = [];
  try {
    // Baseline: the bare server, same machine, same load generator, same body size.
    const barePort = await freePort();
    const bare = startProcess({
      name: "bare",
      command: process.execPath,
      args: [join(here, "bare-server.ts"), String(barePort)],
    });
    running.push(bare);
    const bareUrl = `http://127.0.0.1:${barePort}`;
    await waitFor("the bare server", async () => (await fetch(bareUrl, { method: "POST", body: "{}" })).ok);

    for (const store of ["sqlite", "postgres"] as const) {
      const storeDir = join(dir, store);
      const database =
        store === "sqlite" ? `sqlite:${join(storeDir, "keys.db")}` : await pg.createDatabase("bench_keys");
      const t0 = performance.now();
      const sample = await populate({
        database,
        keyringPath: join(storeDir, "keyring.json"),
        count: STORED,
        sample: 2_000,
      });
      figures[`${store}.populateSeconds`] = round((performance.now() - t0) / 1000, 1);
      const serve = await startServe(storeDir, database, 10_000_000);
      running.push(serve.proc);
      const script = await luaScript(storeDir, serve.admin, sample);
      await wrk({ url: serve.url, script, connections: 16, seconds: 2 }); // warm the cache and the JIT
      for (const connections of [16, 64]) {
        const base = await wrk({ url: bareUrl, script, connections, seconds: SECONDS });
        const measured = await wrk({ url: serve.url, script, connections, seconds: SECONDS });
        if (measured.non2xx > 0) throw new Error(`${store}: ${measured.non2xx} introspections failed`);
        figures[`bare.c${connections}.rps`] = round(base.requestsPerSecond, 0);
        figures[`bare.c${connections}.p99Ms`] = base.p99Ms;
        figures[`${store}.c${connections}.rps`] = round(measured.requestsPerSecond, 0);
        figures[`${store}.c${connections}.p50Ms`] = measured.p50Ms;
        figures[`${store}.c${connections}.p99Ms`] = measured.p99Ms;
        figures[`${store}.c${connections}.ratioToBare`] = round(
          measured.requestsPerSecond / base.requestsPerSecond,
          3,
        );
      }
      const created = await createLatency(serve.url, serve.admin, 300);
      figures[`${store}.create.p50Ms`] = round(created.p50Ms);
      figures[`${store}.create.p99Ms`] = round(created.p99Ms);
      await serve.proc.stop();

      if (store === "sqlite") {
        // The 429 path: the same load against the default limit of 100 requests per second per key.
        const limited = await startServe(storeDir, database, 100);
        running.push(limited.proc);
        const limitedScript = await luaScript(storeDir, limited.admin, sample.slice(0, 10));
        const result = await wrk({
          url: limited.url,
          script: limitedScript,
          connections: 64,
          seconds: SECONDS,
        });
        figures["sqlite.rateLimited.c64.rps"] = round(result.requestsPerSecond, 0);
        figures["sqlite.rateLimited.c64.p99Ms"] = result.p99Ms;
        figures["sqlite.rateLimited.c64.share429"] = round(
          result.non2xx / (result.requestsPerSecond * SECONDS),
          3,
        );
        await limited.proc.stop();
      }
    }
    figures["goal.throughputRatio>=0.5@c64"] = String(
      Number(figures["sqlite.c64.ratioToBare"]) >= 0.5 && Number(figures["postgres.c64.ratioToBare"]) >= 0.5,
    );
    figures["goal.p99<=5ms@c16"] = String(
      Number(figures["sqlite.c16.p99Ms"]) <= 5 && Number(figures["postgres.c16.p99Ms"]) <= 5,
    );
    return { name: "keyservice", figures };
  } finally {
    for (const p of running) await p.stop();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await run();
  for (const [k, v] of Object.entries(result.figures)) process.stdout.write(`${result.name}.${k}\t${v}\n`);
}
