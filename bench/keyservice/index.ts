// Keys service benchmark, on one machine in one run:
// - revocation delay: 1,000 revocations through random nodes of three on one PostgreSQL, until every node
//   refuses the key (goal p99 ≤ 100 ms);
// - introspection throughput with 100,000 stored keys, on SQLite and on PostgreSQL, against a bare node:http
//   server answering a constant: median of 5 paired runs at 64 connections (goal ≥ 0.5× bare);
// - create-key latency, and the 429 path at the default per-key limit.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/harness/ports.ts";
import { startPostgres } from "../../test/harness/postgres.ts";
import { type ManagedProcess, startProcess } from "../../test/harness/processes.ts";
import { waitFor } from "../../test/harness/wait.ts";
import { wrk } from "../wrk.ts";
import { populate } from "./populate.ts";
import { revocationDelay } from "./revocation-delay.ts";
import { introspectScript, startServe } from "./serve.ts";
import { pairedThroughput } from "./throughput.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const STORED = Number(process.env.BENCH_KEYS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 5);
const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 1_000);
const CONNECTIONS = 64;

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
  const figures: Record<string, number | string> = {
    storedKeys: STORED,
    secondsPerRun: SECONDS,
    pairs: PAIRS,
    connections: CONNECTIONS,
  };
  const dir = await mkdtemp(join(tmpdir(), "ayra-keys-bench-ks-"));
  const pg = await startPostgres();
  const running: ManagedProcess[] = [];
  try {
    const revocationDir = join(dir, "revocation");
    await mkdir(revocationDir, { mode: 0o700 });
    const delay = await revocationDelay({
      dir: revocationDir,
      database: await pg.createDatabase("bench_revocation"),
      revocations: REVOCATIONS,
      running,
    });
    figures.revocations = REVOCATIONS;
    figures["revocationDelay.p50Ms"] = round(delay.p50Ms);
    figures["revocationDelay.p99Ms"] = round(delay.p99Ms);
    figures["revocationDelay.maxMs"] = round(delay.maxMs);
    figures["goal.revocationDelayP99<=100ms"] = String(delay.p99Ms <= 100);

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
      const serve = await startServe(storeDir, database, { rateLimit: 10_000_000 });
      running.push(serve.proc);
      const script = await introspectScript(storeDir, serve.admin, sample);
      await wrk({ url: serve.url, script, connections: 16, seconds: 2 }); // warm the cache and the JIT
      const paired = await pairedThroughput({
        bareUrl,
        serviceUrl: serve.url,
        script,
        connections: CONNECTIONS,
        seconds: SECONDS,
        pairs: PAIRS,
      });
      figures[`bare.${store}Pairs.c${CONNECTIONS}.rps`] = round(paired.bareRps, 0);
      figures[`${store}.c${CONNECTIONS}.rps`] = round(paired.serviceRps, 0);
      figures[`${store}.c${CONNECTIONS}.p50Ms`] = paired.serviceP50Ms;
      figures[`${store}.c${CONNECTIONS}.p99Ms`] = paired.serviceP99Ms;
      figures[`${store}.c${CONNECTIONS}.ratioToBare`] = round(paired.ratio, 3);
      figures[`${store}.c${CONNECTIONS}.ratiosPerPair`] = paired.ratios.map((r) => round(r, 3)).join(" ");
      const created = await createLatency(serve.url, serve.admin, 300);
      figures[`${store}.create.p50Ms`] = round(created.p50Ms);
      figures[`${store}.create.p99Ms`] = round(created.p99Ms);
      await serve.proc.stop();

      if (store === "sqlite") {
        // The 429 path: the same load against the default limit of 100 requests per second per key.
        const limited = await startServe(storeDir, database, { rateLimit: 100 });
        running.push(limited.proc);
        const limitedScript = await introspectScript(storeDir, limited.admin, sample.slice(0, 10));
        const result = await wrk({
          url: limited.url,
          script: limitedScript,
          connections: CONNECTIONS,
          seconds: SECONDS,
        });
        figures[`sqlite.rateLimited.c${CONNECTIONS}.rps`] = round(result.requestsPerSecond, 0);
        figures[`sqlite.rateLimited.c${CONNECTIONS}.p99Ms`] = result.p99Ms;
        figures[`sqlite.rateLimited.c${CONNECTIONS}.share429`] = round(
          result.non2xx / (result.requestsPerSecond * SECONDS),
          3,
        );
        await limited.proc.stop();
      }
    }
    figures["goal.throughputRatio>=0.5@c64"] = String(
      Number(figures[`sqlite.c${CONNECTIONS}.ratioToBare`]) >= 0.5 &&
        Number(figures[`postgres.c${CONNECTIONS}.ratioToBare`]) >= 0.5,
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
