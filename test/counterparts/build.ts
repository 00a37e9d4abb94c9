#!/usr/bin/env node
// Builds the real test counterparts (etcd, kube-apiserver, kubectl, the Pulumi CLI, Helm, promtool) from the pinned
// wrapper modules beside this file, into a cache keyed by version: a warm run only checks that the
// binaries exist. `npm run counterparts` runs it; the test setup calls ensureCounterparts() too.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

interface Versions {
  kubernetes: string;
  kubernetesStaging: string;
  etcd: string;
  pulumi: string;
  helm: string;
  prometheus: string;
}

export const versions: Versions = JSON.parse(readFileSync(join(here, "versions.json"), "utf8"));

interface Counterpart {
  /** The wrapper module folder beside this file; also the cache entry's name. */
  module: string;
  version: string;
  /** Go packages to build; each lands in bin/ under its last path element unless `output` is set. */
  packages: string[];
  output?: string;
  tags?: string[];
  ldflags: string[];
  /** What a cold build took on a 2-core machine, for the progress line. */
  coldSeconds: number;
}

const counterparts: Counterpart[] = [
  {
    module: "etcd",
    version: versions.etcd,
    packages: ["go.etcd.io/etcd/server/v3"],
    output: "etcd",
    ldflags: ["-s", "-w"],
    coldSeconds: 40,
  },
  {
    module: "kubernetes",
    version: versions.kubernetes,
    packages: ["k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kubectl"],
    ldflags: ["-s", "-w", `-X k8s.io/component-base/version.gitVersion=${versions.kubernetes}`],
    coldSeconds: 210,
  },
  {
    module: "pulumi",
    version: versions.pulumi,
    packages: ["github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"],
    output: "pulumi",
    tags: ["osusergo", "grpcnotrace"],
    ldflags: ["-s", "-w", `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${versions.pulumi}`],
    coldSeconds: 180,
  },
  {
    module: "helm",
    version: versions.helm,
    packages: ["helm.sh/helm/v3/cmd/helm"],
    output: "helm",
    ldflags: ["-s", "-w", `-X helm.sh/helm/v3/internal/version.version=${versions.helm}`],
    coldSeconds: 60,
  },
  {
    module: "promtool",
    version: versions.prometheus,
    packages: ["github.com/prometheus/prometheus/cmd/promtool"],
    output: "promtool",
    tags: ["netgo", "builtinassets"],
    ldflags: ["-s", "-w", `-X github.com/prometheus/common/version.Version=${versions.prometheus}`],
    coldSeconds: 190,
  },
];

export interface CounterpartPaths {
  etcd: string;
  kubeApiserver: string;
  kubectl: string;
  pulumiRoot: string;
  pulumi: string;
  /** Folder holding pulumi-resource-pulumi-nodejs: put it on PATH for the Pulumi engine. */
  launchers: string;
  helm: string;
  promtool: string;
}

export function cacheRoot(): string {
  const base =
    process.env.AYRA_KEYS_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "ayra-keys");
  return join(base, "counterparts");
}

function binDir(c: Counterpart): string {
  return join(cacheRoot(), `${c.module}-${c.version}`, "bin");
}

function outputs(c: Counterpart): string[] {
  return c.output ? [c.output] : c.packages.map((p) => p.slice(p.lastIndexOf("/") + 1));
}

export function counterpartPaths(): CounterpartPaths {
  const [etcd, kubernetes, pulumi, helm, promtool] = counterparts as [
    Counterpart,
    Counterpart,
    Counterpart,
    Counterpart,
    Counterpart,
  ];
  return {
    etcd: join(binDir(etcd), "etcd"),
    kubeApiserver: join(binDir(kubernetes), "kube-apiserver"),
    kubectl: join(binDir(kubernetes), "kubectl"),
    pulumiRoot: dirname(binDir(pulumi)),
    pulumi: join(binDir(pulumi), "pulumi"),
    launchers: join(here, "launchers"),
    helm: join(binDir(helm), "helm"),
    promtool: join(binDir(promtool), "promtool"),
  };
}

function isBuilt(c: Counterpart): boolean {
  return outputs(c).every((name) => existsSync(join(binDir(c), name)));
}

export class GoMissingError extends Error {
  constructor() {
    super(
      "Go is needed to build the test counterparts (etcd, kube-apiserver, kubectl, pulumi, helm, promtool) but `go` is not on PATH. " +
        "Install Go 1.26 (https://go.dev/dl/) and run `npm run counterparts` again.",
    );
    this.name = "GoMissingError";
  }
}

function goEnv(): NodeJS.ProcessEnv {
  // Pinned, reproducible builds: the machine's toolchain only, static binaries.
  return { ...process.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false" };
}

async function build(c: Counterpart, log: (line: string) => void): Promise<void> {
  const final = binDir(c);
  const staging = `${final}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const target = c.output ? join(staging, c.output) : `${staging}/`;
  const args = ["build", "-trimpath", "-o", target];
  if (c.tags) args.push("-tags", c.tags.join(","));
  args.push("-ldflags", c.ldflags.join(" "), ...c.packages);

  const started = Date.now();
  log(
    `building ${outputs(c).join(", ")} ${c.version} (a cold build takes about ${c.coldSeconds} s on 2 cores)`,
  );
  const ticker = setInterval(
    () => log(`  … ${c.module}: ${Math.round((Date.now() - started) / 1000)} s`),
    15_000,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn("go", args, {
        cwd: join(here, c.module),
        env: goEnv(),
        stdio: ["ignore", "inherit", "inherit"],
      });
      child.on("error", reject);
      child.on("exit", (code, signal) =>
        code === 0
          ? resolve()
          : reject(new Error(`go build for ${c.module} failed (exit ${code ?? signal})`)),
      );
    });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    clearInterval(ticker);
  }
  // Publish all binaries at once so an interrupted build never looks complete.
  rmSync(final, { recursive: true, force: true });
  mkdirSync(dirname(final), { recursive: true });
  renameSync(staging, final);
  log(`built ${c.module} ${c.version} in ${Math.round((Date.now() - started) / 1000)} s → ${final}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds `c` unless another process is building it already (a test run started beside `npm run
 * counterparts`): then waits for that build instead of starting a second one on the same cores.
 */
async function buildOnce(c: Counterpart, log: (line: string) => void): Promise<void> {
  const lock = `${dirname(binDir(c))}.building`;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    if (isBuilt(c)) return;
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(lock, "utf8"));
      } catch {
        continue; // released meanwhile
      }
      if (!Number.isInteger(holder) || holder <= 0) {
        // Created but not written yet.
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (!alive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      log(`${c.module} ${c.version}: waiting for the build in process ${holder}`);
      while (alive(holder) && existsSync(lock)) await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  try {
    await build(c, log);
  } finally {
    rmSync(lock, { force: true });
  }
}

export interface EnsureOptions {
  log?: (line: string) => void;
}

/** Builds whatever counterpart is missing from the cache and returns the binaries' paths. */
export async function ensureCounterparts(options: EnsureOptions = {}): Promise<CounterpartPaths> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[counterparts] ${line}\n`));
  const missing = counterparts.filter((c) => !isBuilt(c));
  if (missing.length > 0) {
    if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) throw new GoMissingError();
    for (const c of missing) await buildOnce(c, log);
  }
  for (const c of counterparts)
    if (!missing.includes(c)) log(`${c.module} ${c.version}: cached in ${binDir(c)}`);
  return counterpartPaths();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const paths = await ensureCounterparts();
    if (process.argv.includes("--print")) process.stdout.write(`${JSON.stringify(paths, null, 2)}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
