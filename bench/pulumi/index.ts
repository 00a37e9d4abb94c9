// Pulumi provider benchmark: `pulumi up` creating 50 ApiKeys against the keys service (`ayra-keys serve` on
// SQLite) versus `pulumi up` creating 50 no-op dynamic resources, in the same run, through the same real CLI.
// Each is measured ROUNDS times, alternating, each round on a fresh stack; medians are reported. Also the
// no-op `up` of the 50 ApiKeys (nothing to do, zero keys-API calls) against the same for the no-op resources.
// A control — no-op resources shaped like ApiKeys (same inputs and outputs, a secret among them) — shows how
// much of the difference is the engine keeping a bigger state. Wall time is the goal's measure (ApiKeys /
// no-op ≤ 1.2); CPU time (this process — the inline program —, the CLI with its provider processes, and the
// keys service) is reported too, as it varies less on a busy machine.
// Run: `node bench/pulumi/index.ts` (BENCH_PULUMI_ROUNDS, default 5; BENCH_PULUMI_RESOURCES, default 50;
// BENCH_PULUMI_FROM=dist measures the built package, `ayra-keys/pulumi` as users import it, after `npm run build`).
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { type CounterpartPaths, ensureCounterparts } from "../../test/counterparts/build.ts";
import { freePort } from "../../test/harness/ports.ts";
import { type ManagedProcess, startProcess } from "../../test/harness/processes.ts";
import { createPulumiStack } from "../../test/harness/pulumi.ts";
import { waitFor } from "../../test/harness/wait.ts";

type ProviderModule = typeof import("../../provider/index.ts");
const FROM_DIST = process.env.BENCH_PULUMI_FROM === "dist";
// A specifier in a variable: the source checkout type-checks without a build.
const PACKAGE = "ayra-keys/pulumi";
const RESOURCES = Number(process.env.BENCH_PULUMI_RESOURCES ?? 50);
const ROUNDS = Number(process.env.BENCH_PULUMI_ROUNDS ?? 5);
const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));

// The baseline: a dynamic resource whose provider does nothing (methods touch only their arguments).
const noopProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Record<string, unknown>) {
    return { id: `noop-${String(inputs.index)}`, outs: inputs };
  },
};

class Noop extends pulumi.dynamic.Resource {
  constructor(name: string, props: Record<string, unknown>) {
    super(noopProvider, name, props, {}, "bench", "Noop");
  }
}

// A control, not the goal's baseline: a no-op provider whose resources have an ApiKey's inputs and outputs (a
// secret among them), to show how much of the difference is the state the engine keeps for that shape.
const shapedProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Record<string, unknown>) {
    const at = new Date().toISOString();
    const outs = { ...inputs, keyId: "key_000000000000000000000000", secret: `sk_live_${"0".repeat(50)}` };
    return {
      id: `shaped-${String(inputs.index)}`,
      outs: {
        ...outs,
        redacted: "sk_live_000000...0000",
        status: "active",
        createdAt: at,
        expiresAt: at,
        rotateAfter: at,
      },
    };
  },
};

class Shaped extends pulumi.dynamic.Resource {
  constructor(name: string, props: Record<string, unknown>) {
    super(
      shapedProvider,
      name,
      { ...props, secret: undefined },
      { additionalSecretOutputs: ["secret"] },
      "bench",
      "Shaped",
    );
  }
}

const scopes = [
  ["agents:read", "conversations:read"],
  ["analytics:read"],
  ["contacts:read", "contacts:write"],
] as const;

function apiKeys({ ApiKey }: ProviderModule): void {
  for (let i = 0; i < RESOURCES; i++) {
    new ApiKey(`service-${i}`, {
      displayName: `Service ${i}`,
      environment: i % 2 === 0 ? "live" : "test",
      scopes: [...(scopes[i % scopes.length] ?? ["agents:read"])],
      expiresAfter: "90d",
      rotation: { every: "30d", gracePeriod: "7d" },
      owner: "bench",
    });
  }
}

function noops(): void {
  for (let i = 0; i < RESOURCES; i++) {
    new Noop(`service-${i}`, {
      index: i,
      displayName: `Service ${i}`,
      environment: i % 2 === 0 ? "live" : "test",
      scopes: [...(scopes[i % scopes.length] ?? ["agents:read"])],
    });
  }
}

function shaped(): void {
  for (let i = 0; i < RESOURCES; i++) {
    new Shaped(`service-${i}`, {
      index: i,
      displayName: `Service ${i}`,
      environment: i % 2 === 0 ? "live" : "test",
      scopes: [...(scopes[i % scopes.length] ?? ["agents:read"])],
      expiresAfter: "90d",
      rotation: { every: "30d", gracePeriod: "7d" },
      owner: "bench",
      slot: `urn:pulumi:test::bench-shaped::pulumi-nodejs:dynamic/bench:Shaped::service-${i}`,
    });
  }
}

async function startServe(dir: string): Promise<{ proc: ManagedProcess; url: string; admin: string }> {
  const port = await freePort();
  const adminFile = join(dir, "admin-key");
  const proc = startProcess({
    name: "ayra-keys serve",
    command: process.execPath,
    args: [main, "serve", "--listen", `127.0.0.1:${port}`, "--data-dir", dir, "--admin-key-file", adminFile],
    env: { ...process.env, AYRA_KEYS_LOG_LEVEL: "warn" },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor("the keys service", async () => (await fetch(`${url}/readyz`)).ok, {
    timeoutMs: 60_000,
    context: () => proc.output(),
  });
  return { proc, url, admin: (await readFile(adminFile, "utf8")).trim() };
}

interface Timing {
  upMs: number;
  upCpuMs: number;
  noopUpMs: number;
}

/** CPU milliseconds of a process (`self` or a pid), and of its waited-for children, from /proc. */
function cpuOf(pid: number | "self"): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const tick = 1000 / 100; // USER_HZ
  const at = (i: number) => Number(fields[i] ?? 0) * tick;
  return { own: at(11) + at(12), children: at(13) + at(14) };
}

/** CPU used so far by this process, the CLIs it ran (with their providers) and the keys service. */
function cpuNow(servicePid: number): number {
  const self = cpuOf("self");
  return self.own + self.children + cpuOf(servicePid).own;
}

/** One fresh stack: `up` (creates everything), `up` again (nothing to do), `destroy` (not timed). */
async function measure(
  paths: CounterpartPaths,
  servicePid: number,
  name: string,
  program: () => void,
  env: Record<string, string>,
): Promise<Timing> {
  const ws = await createPulumiStack({ paths, projectName: name, program: async () => program(), env });
  try {
    const cpuStarted = cpuNow(servicePid);
    const started = performance.now();
    const first = await ws.stack.up();
    const upMs = performance.now() - started;
    const upCpuMs = cpuNow(servicePid) - cpuStarted;
    if (first.summary.resourceChanges?.create !== RESOURCES + 1)
      throw new Error(`${name}: expected ${RESOURCES + 1} creates, got ${JSON.stringify(first.summary)}`);
    const again = performance.now();
    const second = await ws.stack.up();
    const noopUpMs = performance.now() - again;
    if (second.summary.resourceChanges?.same !== RESOURCES + 1)
      throw new Error(`${name}: the second up changed something: ${JSON.stringify(second.summary)}`);
    await ws.stack.destroy();
    return { upMs, upCpuMs, noopUpMs };
  } finally {
    await ws.dispose();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const round = (value: number, digits: number): number => Number(value.toFixed(digits));

export async function run(): Promise<{ name: string; figures: Record<string, number | string> }> {
  const paths = await ensureCounterparts();
  const dir = await mkdtemp(join(tmpdir(), "ayra-keys-bench-pulumi-"));
  const serve = await startServe(dir);
  try {
    const provider: ProviderModule = FROM_DIST
      ? ((await import(PACKAGE)) as ProviderModule)
      : await import("../../provider/index.ts");
    const keysProgram = () => apiKeys(provider);
    const keyEnv = { AYRA_API_URL: serve.url, AYRA_API_KEY: serve.admin };
    const pid = serve.proc.child.pid ?? 0;
    const keys: Timing[] = [];
    const baseline: Timing[] = [];
    const control: Timing[] = [];
    // A warm-up of each, not counted: the first CLI and provider start pays for cold file caches.
    await measure(paths, pid, "bench-warmup-noop", noops, {});
    await measure(paths, pid, "bench-warmup-keys", keysProgram, keyEnv);
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(await measure(paths, pid, `bench-noop-${round}`, noops, {}));
      keys.push(await measure(paths, pid, `bench-keys-${round}`, keysProgram, keyEnv));
      control.push(await measure(paths, pid, `bench-shaped-${round}`, shaped, {}));
    }
    const keysUp = median(keys.map((t) => t.upMs));
    const noopUp = median(baseline.map((t) => t.upMs));
    const shapedUp = median(control.map((t) => t.upMs));
    const keysCpu = median(keys.map((t) => t.upCpuMs));
    const noopCpu = median(baseline.map((t) => t.upCpuMs));
    const keysSteady = median(keys.map((t) => t.noopUpMs));
    const noopSteady = median(baseline.map((t) => t.noopUpMs));
    const ratio = keysUp / noopUp;
    return {
      name: "pulumi",
      figures: {
        resources: RESOURCES,
        provider: FROM_DIST ? "dist" : "source",
        rounds: ROUNDS,
        "apiKeys.upMs": round(keysUp, 0),
        "noop.upMs": round(noopUp, 0),
        "up.ratio": round(ratio, 3),
        "shapedNoop.upMs": round(shapedUp, 0),
        "shapedNoop.ratioToNoop": round(shapedUp / noopUp, 3),
        "apiKeys.ratioToShapedNoop": round(keysUp / shapedUp, 3),
        "apiKeys.upCpuMs": round(keysCpu, 0),
        "noop.upCpuMs": round(noopCpu, 0),
        "upCpu.ratio": round(keysCpu / noopCpu, 3),
        "apiKeys.secondUpMs": round(keysSteady, 0),
        "noop.secondUpMs": round(noopSteady, 0),
        "secondUp.ratio": round(keysSteady / noopSteady, 3),
        "apiKeys.upMs.all": keys.map((t) => Math.round(t.upMs)).join(" "),
        "noop.upMs.all": baseline.map((t) => Math.round(t.upMs)).join(" "),
        "goal.ratio<=1.2": String(ratio <= 1.2),
      },
    };
  } finally {
    await serve.proc.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await run();
  for (const [k, v] of Object.entries(result.figures)) process.stdout.write(`${result.name}.${k}\t${v}\n`);
}
