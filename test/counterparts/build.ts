#!/usr/bin/env node
// Builds the real test counterparts (etcd, kube-apiserver, kubectl, the Pulumi CLI, Helm, promtool) from the pinned
// wrapper modules beside this file, into a cache keyed by version: a warm run only checks that the
// binaries exist. `npm run counterparts` runs it; the test setup calls ensureCounterparts() too.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { etcdProgram, kubernetesProgram } from "../../cli/local-control-plane/binaries.ts";
import {
  binDir,
  buildGoProgram,
  GoMissingError as GoMissing,
  type GoProgram,
  goOnPath,
  isBuilt,
} from "../../cli/local-control-plane/go-build.ts";

export { cacheRoot } from "../../cli/local-control-plane/go-build.ts";

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

// etcd and kubernetes are the local control plane's own builds (cli/local-control-plane/), shared with `dev`.
const counterparts: GoProgram[] = [
  etcdProgram(here, versions),
  kubernetesProgram(here, versions),
  {
    name: "pulumi",
    version: versions.pulumi,
    moduleDir: join(here, "pulumi"),
    packages: ["github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"],
    output: "pulumi",
    tags: ["osusergo", "grpcnotrace"],
    ldflags: ["-s", "-w", `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${versions.pulumi}`],
    coldSeconds: 180,
  },
  {
    name: "helm",
    version: versions.helm,
    moduleDir: join(here, "helm"),
    packages: ["helm.sh/helm/v3/cmd/helm"],
    output: "helm",
    ldflags: ["-s", "-w", `-X helm.sh/helm/v3/internal/version.version=${versions.helm}`],
    coldSeconds: 60,
  },
  {
    name: "promtool",
    version: versions.prometheus,
    moduleDir: join(here, "promtool"),
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

export function counterpartPaths(): CounterpartPaths {
  const [etcd, kubernetes, pulumi, helm, promtool] = counterparts as [
    GoProgram,
    GoProgram,
    GoProgram,
    GoProgram,
    GoProgram,
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

export class GoMissingError extends GoMissing {
  constructor() {
    super(
      "the test counterparts (etcd, kube-apiserver, kubectl, pulumi, helm, promtool)",
      "run `npm run counterparts` again",
    );
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
    if (!goOnPath()) throw new GoMissingError();
    for (const c of missing) await buildGoProgram(c, { log });
  }
  for (const c of counterparts)
    if (!missing.includes(c)) log(`${c.name} ${c.version}: cached in ${binDir(c)}`);
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
