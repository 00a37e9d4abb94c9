// Controller benchmark, never part of `npm test`. On its own control plane and keys service:
//   1. the floor — the bench's own work with no controller: the N ApiKeys applied to a namespace no
//      controller watches, then N keys (keys-API creates) and N Secrets created directly, by the same
//      clients at the same concurrency;
//   2. N ApiKeys applied to a watched namespace → all Ready, timed from the start of the apply: wall time,
//      ratio to the floor, the controller's peak RSS, API writes per ApiKey by verb and resource (counted
//      by kube-apiserver itself), Events, keys-API calls (counted by the controller);
//   3. idle for BENCH_IDLE_SECONDS (default 300): API writes besides the Lease, keys-API calls, RSS after;
//   4. rotation lateness p99 over M ApiKeys rotating on a short schedule (BENCH_ROTATING=0 skips it).
// The controller runs as shipped (compiled, with the CLI's runtime limits); BENCH_CONTROLLER_FROM=source runs
// cli/main.ts instead, BENCH_NODE_OPTIONS passes node flags (e.g. the host's defaults, to compare).
// Run alone: node bench/controller/index.ts   (BENCH_APIKEYS=1000 BENCH_IDLE_SECONDS=300 BENCH_ROTATING=100)
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import pino from "pino";
import { KubeRest } from "../../controller/kube/rest.ts";
import { createKeysClient } from "../../core/client/index.ts";
import { startKeyService } from "../../keyservice/key-service.ts";
import { counterpartPaths } from "../../test/counterparts/build.ts";
import { adminKubeConfig, startControlPlane } from "../../test/harness/control-plane.ts";
import { accessOf, ensureCrds, startControllerProcess } from "../../test/harness/controller.ts";
import { makeTempDir, removeTempDir } from "../../test/harness/temp-dirs.ts";
import { apiserverWrites, diff, total, type WriteCounts } from "./apiserver-metrics.ts";
import { buildShipped } from "./shipped-build.ts";

const CONCURRENCY = 16;

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

async function controllerCounter(url: string, metric: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${metric}{`)) continue;
    const op = /(?:operation|kind|result)="([^"]*)"/.exec(line)?.[1] ?? "?";
    out.set(op, (out.get(op) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return out;
}

function sumMap(m: Map<string, number>): number {
  return [...m.values()].reduce((a, b) => a + b, 0);
}

function describeCounts(m: Map<string, number>, per?: number): string {
  return (
    [...m.entries()]
      .sort()
      .map(([k, v]) => `${k}=${per === undefined ? v : (v / per).toFixed(2)}`)
      .join(", ") || "none"
  );
}

function subtract(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of a) if (v - (b.get(k) ?? 0) > 0) out.set(k, v - (b.get(k) ?? 0));
  return out;
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** User + system CPU of a process so far, from /proc (clock ticks of 10 ms). */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

type ApiKeyList = {
  items: {
    metadata: { name: string; generation: number };
    status?: {
      observedGeneration?: number;
      keyId?: string;
      createdAt?: string;
      pending?: unknown;
      conditions?: { type: string; status: string }[];
    };
  }[];
};

async function countReady(rest: KubeRest, namespace: string): Promise<ApiKeyList["items"]> {
  const list = await rest.get<ApiKeyList>(`/apis/keys.ayra.ai/v1alpha1/namespaces/${namespace}/apikeys`);
  return list.items.filter(
    (o) =>
      o.status?.observedGeneration === o.metadata.generation &&
      !o.status?.pending &&
      o.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** The controller's own view of its memory (prom-client's process and heap gauges), in MB. */
async function memoryFigures(url: string, prefix: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    return Math.round(Number(line?.slice(line.lastIndexOf(" ") + 1) ?? Number.NaN) / 2 ** 20);
  };
  return {
    [`${prefix}_heap_used_mb`]: gauge("nodejs_heap_size_used_bytes"),
    [`${prefix}_heap_total_mb`]: gauge("nodejs_heap_size_total_bytes"),
    [`${prefix}_external_mb`]: gauge("nodejs_external_memory_bytes"),
  };
}

/** The heap flags the controller runs with: its command line, then NODE_OPTIONS (which it does not override). */
async function nodeFlags(pid: number): Promise<string> {
  const args = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
  const env = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
  const fromEnv = env.find((e) => e.startsWith("NODE_OPTIONS="))?.slice("NODE_OPTIONS=".length) ?? "";
  return (
    [...args, ...fromEnv.split(/\s+/)].filter((a) => a.startsWith("--max-")).join(" ") || "host defaults"
  );
}

const apiKeyBody = (name: string, i: number) => ({
  apiVersion: "keys.ayra.ai/v1alpha1",
  kind: "ApiKey",
  metadata: { name },
  spec: {
    displayName: `Bench Service ${i}`,
    environment: "test",
    scopes: ["agents:read"],
    expiresAfter: "90d",
    rotation: { every: "30d", gracePeriod: "7d" },
  },
});

export async function run(): Promise<{ name: string; figures: Record<string, number | string> }> {
  const count = Number(process.env.BENCH_APIKEYS ?? 1000);
  const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 300);
  const rotating = Number(process.env.BENCH_ROTATING ?? 100);
  const from = process.env.BENCH_CONTROLLER_FROM ?? "dist";
  const figures: Record<string, number | string> = {
    apikeys: count,
    concurrency: CONCURRENCY,
    idle_seconds: idleSeconds,
    controller_from: from,
  };
  const build = from === "source" ? undefined : await buildShipped();
  const cp = await startControlPlane(counterpartPaths());
  const dir = await makeTempDir("ayra-keys-bench-ctl-");
  const service = await startKeyService({
    database: `sqlite:${join(dir, "keys.db")}`,
    dataDir: dir,
    port: 0,
    adminKeyFile: join(dir, "admin-key"),
    logger: pino({ level: "warn" }),
    rateLimitPerSecond: 1_000_000,
  });
  const adminKey = (await readFile(join(dir, "admin-key"), "utf8")).trim();
  const kc = adminKubeConfig(cp);
  const rest = new KubeRest({ access: accessOf(kc), maxSockets: CONCURRENCY });
  let controller: Awaited<ReturnType<typeof startControllerProcess>> | undefined;
  const startController = (namespace: string, args: string[]) =>
    startControllerProcess({
      info: cp,
      namespace,
      keysUrl: service.url,
      apiKey: adminKey,
      ...(build ? { cli: build.cli } : {}),
      args: ["--concurrency", String(CONCURRENCY), ...args],
      env: { AYRA_KEYS_LOG_LEVEL: "info", NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? "" },
    });
  try {
    await ensureCrds(cp, kc);
    for (const ns of ["floor", "bench", "rotating"])
      await rest.create("/api/v1/namespaces", { metadata: { name: ns } });
    const indexes = Array.from({ length: count }, (_, i) => i);

    // 1. The floor: the same ApiKeys applied where no controller watches, then keys and Secrets created
    //    directly — same clients, same concurrency.
    const keys = createKeysClient({ baseUrl: service.url, apiKey: adminKey });
    let started = performance.now();
    await pool(indexes, CONCURRENCY, async (i) => {
      await rest.create("/apis/keys.ayra.ai/v1alpha1/namespaces/floor/apikeys", apiKeyBody(`svc-${i}`, i));
    });
    const floorApplyMs = performance.now() - started;
    await pool(indexes, CONCURRENCY, async (i) => {
      const key = await keys.createKey({
        name: `Floor Service ${i}`,
        environment: "test",
        scopes: ["agents:read"],
        metadata: { bench: "floor" },
      });
      await rest.create("/api/v1/namespaces/floor/secrets", {
        metadata: { name: `floor-${i}` },
        data: { apiKey: Buffer.from(key.secret).toString("base64") },
      });
    });
    const floorMs = performance.now() - started;
    figures.floor_wall_s = Number((floorMs / 1000).toFixed(2));
    figures.floor_apply_s = Number((floorApplyMs / 1000).toFixed(2));
    figures.floor_keys_and_secrets_s = Number(((floorMs - floorApplyMs) / 1000).toFixed(2));

    // 2. N ApiKeys applied with the controller running → all Ready, from the start of the apply.
    controller = await startController("bench", ["--drift-interval", "60s"]);
    const pid = controller.process.child.pid ?? 0;
    figures.controller_node_flags = await nodeFlags(pid);
    figures.controller_start_rss_mb = await rssMb(pid);
    const writesBefore = await apiserverWrites(rest);
    const keysBefore = await controllerCounter(
      controller.url,
      "ayra_keys_controller_keys_api_requests_total",
    );
    started = performance.now();
    await pool(indexes, CONCURRENCY, async (i) => {
      await rest.create("/apis/keys.ayra.ai/v1alpha1/namespaces/bench/apikeys", apiKeyBody(`svc-${i}`, i));
    });
    figures.apikeys_applied_s = Number(((performance.now() - started) / 1000).toFixed(2));
    await until(
      `${count} ApiKeys Ready`,
      async () => (await countReady(rest, "bench")).length === count,
      30 * 60_000,
    );
    const readyMs = performance.now() - started;
    const writes = diff(await apiserverWrites(rest), writesBefore);
    // The bench itself created the ApiKeys; the rest is the controller's.
    writes.set("POST apikeys", (writes.get("POST apikeys") ?? 0) - count);
    if (writes.get("POST apikeys") === 0) writes.delete("POST apikeys");
    const keysCalls = subtract(
      await controllerCounter(controller.url, "ayra_keys_controller_keys_api_requests_total"),
      keysBefore,
    );
    // Leases are leader election's; endpoints are kube-apiserver's own (its endpoint reconciler).
    const notLease = (k: string) => !k.endsWith(" leases") && !k.endsWith(" endpoints");
    const notEvent = (k: string) => !k.endsWith(" events");
    figures.controller_wall_s = Number((readyMs / 1000).toFixed(2));
    figures.ratio_to_floor = Number((readyMs / floorMs).toFixed(2));
    figures.controller_peak_rss_mb = await peakRssMb(pid);
    Object.assign(figures, await memoryFigures(controller.url, "controller_ready"));
    figures.controller_cpu_s = await cpuSeconds(pid);
    figures.api_writes_total = total(writes, notLease);
    figures.api_writes_per_apikey = Number(
      (total(writes, (k) => notLease(k) && notEvent(k)) / count).toFixed(2),
    );
    figures.api_writes_per_apikey_by_verb_resource = describeWrites(
      writes,
      (k) => notLease(k) && notEvent(k),
      count,
    );
    figures.events_per_apikey = Number((total(writes, (k) => !notEvent(k)) / count).toFixed(2));
    figures.api_writes_by_verb_resource = describeWrites(writes, notLease);
    figures.lease_writes = total(writes, (k) => k.endsWith(" leases"));
    figures.keys_api_calls = sumMap(keysCalls);
    figures.keys_api_calls_per_apikey_by_operation = describeCounts(keysCalls, count);
    const reconciles = await controllerCounter(controller.url, "ayra_keys_controller_reconciles_total");
    figures.reconciles = sumMap(reconciles);
    figures.reconcile_errors = describeCounts(
      await controllerCounter(controller.url, "ayra_keys_controller_reconcile_errors_total"),
    );

    // 3. Idle.
    const idleWritesBefore = await apiserverWrites(rest);
    const idleKeysBefore = await controllerCounter(
      controller.url,
      "ayra_keys_controller_keys_api_requests_total",
    );
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const idleWrites = diff(await apiserverWrites(rest), idleWritesBefore);
    const idleKeys = subtract(
      await controllerCounter(controller.url, "ayra_keys_controller_keys_api_requests_total"),
      idleKeysBefore,
    );
    figures.idle_api_writes_besides_lease = total(idleWrites, notLease);
    figures.idle_api_writes = describeWrites(idleWrites, (k) => !k.endsWith(" endpoints"));
    figures.idle_keys_api_calls = describeCounts(idleKeys);
    figures.controller_idle_rss_mb = await rssMb(pid);
    Object.assign(figures, await memoryFigures(controller.url, "controller_idle"));
    figures.idle_peak_rss_mb = await peakRssMb(pid);
    await controller.stop();
    controller = undefined;

    // 4. Rotation lateness: M ApiKeys rotating every 20 s, each measured on its first rotation.
    if (rotating > 0) Object.assign(figures, await rotationLateness(rest, rotating, startController));
  } finally {
    await controller?.stop();
    rest.close();
    await service.close();
    await cp.stop();
    await removeTempDir(dir);
    await build?.remove();
  }
  return { name: "controller", figures };
}

async function rotationLateness(
  rest: KubeRest,
  rotating: number,
  start: (namespace: string, args: string[]) => ReturnType<typeof startControllerProcess>,
): Promise<Record<string, number>> {
  const controller = await start("rotating", []);
  try {
    const rotIdx = Array.from({ length: rotating }, (_, i) => i);
    await pool(rotIdx, CONCURRENCY, async (i) => {
      await rest.create("/apis/keys.ayra.ai/v1alpha1/namespaces/rotating/apikeys", {
        apiVersion: "keys.ayra.ai/v1alpha1",
        kind: "ApiKey",
        metadata: { name: `rot-${i}` },
        spec: {
          displayName: `Rotating Service ${i}`,
          environment: "test",
          scopes: ["agents:read"],
          expiresAfter: "1h",
          rotation: { every: "20s", gracePeriod: "5s" },
        },
      });
    });
    const first = new Map<string, { keyId: string; createdAt: number }>();
    await until(
      "rotating ApiKeys Ready",
      async () => {
        for (const o of await countReady(rest, "rotating"))
          if (!first.has(o.metadata.name))
            first.set(o.metadata.name, {
              keyId: o.status?.keyId ?? "",
              createdAt: Date.parse(o.status?.createdAt ?? ""),
            });
        return first.size === rotating;
      },
      5 * 60_000,
    );
    const lateness = new Map<string, number>();
    await until(
      "every ApiKey to rotate once",
      async () => {
        for (const o of await countReady(rest, "rotating")) {
          const f = first.get(o.metadata.name);
          if (f !== undefined && o.status?.keyId !== f.keyId && !lateness.has(o.metadata.name))
            lateness.set(o.metadata.name, Date.parse(o.status?.createdAt ?? "") - (f.createdAt + 20_000));
        }
        return lateness.size === rotating;
      },
      5 * 60_000,
    );
    const late = [...lateness.values()];
    return {
      rotation_lateness_p50_ms: percentile(late, 50),
      rotation_lateness_p99_ms: percentile(late, 99),
      rotation_lateness_max_ms: Math.max(...late),
      rotating_apikeys: rotating,
    };
  } finally {
    await controller.stop();
  }
}

/** "VERB resource=n, …"; per ApiKey (two decimals) when `per` is given. */
function describeWrites(writes: WriteCounts, filter: (k: string) => boolean, per?: number): string {
  return (
    [...writes.entries()]
      .filter(([k]) => filter(k))
      .sort()
      .map(([k, v]) => `${k}=${per === undefined ? v : (v / per).toFixed(2)}`)
      .join(", ") || "none"
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await run();
  for (const [k, v] of Object.entries(result.figures)) process.stdout.write(`${result.name}.${k}\t${v}\n`);
}
