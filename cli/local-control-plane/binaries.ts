// The local control plane's binaries — etcd, kube-apiserver and kubectl — built once from the pinned wrapper
// modules of a checkout of ayra-keys (test/counterparts/{etcd,kubernetes}, versions in versions.json: the same
// builds the end-to-end tests run against), then reused from the cache.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { binDir, buildGoProgram, GoMissingError, type GoProgram, goOnPath, isBuilt } from "./go-build.ts";

export interface PinnedVersions {
  kubernetes: string;
  etcd: string;
}

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubectl: string;
}

export function etcdProgram(modulesDir: string, versions: PinnedVersions): GoProgram {
  return {
    name: "etcd",
    version: versions.etcd,
    moduleDir: join(modulesDir, "etcd"),
    packages: ["go.etcd.io/etcd/server/v3"],
    output: "etcd",
    ldflags: ["-s", "-w"],
    coldSeconds: 40,
  };
}

export function kubernetesProgram(modulesDir: string, versions: PinnedVersions): GoProgram {
  return {
    name: "kubernetes",
    version: versions.kubernetes,
    moduleDir: join(modulesDir, "kubernetes"),
    packages: ["k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kubectl"],
    ldflags: ["-s", "-w", `-X k8s.io/component-base/version.gitVersion=${versions.kubernetes}`],
    coldSeconds: 210,
  };
}

/** The wrapper modules are not in the npm package: a checkout holds them, an installed package does not. */
export class NoWrapperModulesError extends Error {
  constructor(packageRoot: string) {
    super(
      `the local control plane is built from a checkout of ayra-keys (test/counterparts/ holds its pinned Go modules), and ${packageRoot} has none`,
    );
    this.name = "NoWrapperModulesError";
  }
}

/** The folder holding this package's package.json (the checkout when run from source). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export class LocalControlPlaneBuild {
  readonly programs: readonly [GoProgram, GoProgram];

  readonly modulesDir: string;

  constructor(modulesDir: string) {
    this.modulesDir = modulesDir;
    const versions = JSON.parse(readFileSync(join(modulesDir, "versions.json"), "utf8")) as PinnedVersions;
    this.programs = [etcdProgram(modulesDir, versions), kubernetesProgram(modulesDir, versions)];
  }

  /** The checkout's wrapper modules, or NoWrapperModulesError. */
  static fromCheckout(root = packageRoot()): LocalControlPlaneBuild {
    const modulesDir = join(root, "test", "counterparts");
    const complete = ["versions.json", "etcd/go.mod", "kubernetes/go.mod"].every((file) =>
      existsSync(join(modulesDir, file)),
    );
    if (!complete) throw new NoWrapperModulesError(root);
    return new LocalControlPlaneBuild(modulesDir);
  }

  paths(): ControlPlaneBinaries {
    const [etcd, kubernetes] = this.programs;
    return {
      etcd: join(binDir(etcd), "etcd"),
      kubeApiserver: join(binDir(kubernetes), "kube-apiserver"),
      kubectl: join(binDir(kubernetes), "kubectl"),
    };
  }

  missing(): GoProgram[] {
    return this.programs.filter((p) => !isBuilt(p));
  }

  /** What a build must make; GoMissingError when that is something and Go is not on PATH. */
  toBuild(): GoProgram[] {
    const missing = this.missing();
    if (missing.length > 0 && !goOnPath())
      throw new GoMissingError(
        "the local control plane (etcd, kube-apiserver, kubectl)",
        "run `npm start` again",
      );
    return missing;
  }

  /** Builds what the cache lacks (GoMissingError without Go) and returns the binaries. */
  async ensure(options: {
    log: (line: string) => void;
    signal?: AbortSignal;
  }): Promise<ControlPlaneBinaries> {
    for (const program of this.toBuild())
      await buildGoProgram(program, { log: options.log, quiet: true, signal: options.signal });
    return this.paths();
  }
}
