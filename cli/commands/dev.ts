import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Command, Option } from "commander";
import { type ControlPlaneBinaries, packageRoot } from "../local-control-plane/binaries.ts";
import type { LocalControlPlane } from "../local-control-plane/control-plane.ts";
import { type DevReport, printDevReport } from "./dev-report.ts";
import { defaultDataDir, parseListen } from "./serve.ts";

export interface DevFlags {
  listen: { host: string; port: number };
  dataDir: string;
  kubeconfig?: string;
}

/**
 * `ayra-keys dev`: the keys service first (it answers while the rest starts), then a local control plane —
 * built once from the checkout's pinned Go modules when the cache lacks it — or the cluster of `--kubeconfig`,
 * the controller, the example ApiKey applied and its Secret awaited; then what it did and what to try next.
 * Whatever cannot start is named with what it needs; the keys service keeps running.
 */
export async function runDev(flags: DevFlags): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let stopRequested = false;
  const stopping = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    const onSignal = () => {
      // A second Ctrl-C does not wait: exiting kills the control plane's processes (see child-process.ts).
      if (stopRequested) process.exit(130);
      stopRequested = true;
      stopping.abort(); // a build in progress stops too
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });

  const adminKeyFile = join(flags.dataDir, "admin-key");
  const { startKeyService } = await import("../../keyservice/key-service.ts");
  const service = await startKeyService({
    database: `sqlite:${join(flags.dataDir, "keys.db")}`,
    dataDir: flags.dataDir,
    host: flags.listen.host,
    port: flags.listen.port,
    // A local stack keeps its admin key in a 0600 file so the commands below can use it.
    adminKeyFile: existsSync(adminKeyFile) ? undefined : adminKeyFile,
  });
  const report: DevReport = {
    dataDir: flags.dataDir,
    keysUrl: service.url,
    adminKeyFile,
    examples: examplesDir(),
  };
  out(
    `ayra-keys dev: keys service on ${service.url} (SQLite in ${flags.dataDir}); dashboard on ${service.dashboardUrl}`,
  );

  let local: LocalControlPlane | undefined;
  let controller:
    | Awaited<ReturnType<typeof import("../../controller/dev.ts").startDevController>>
    | undefined;
  try {
    const cluster: Cluster = flags.kubeconfig
      ? { kubeconfig: flags.kubeconfig }
      : await localCluster({ dataDir: flags.dataDir, out, report, signal: stopping.signal });
    // Kept even when Ctrl-C came during its start, so that it is stopped below.
    if ("kubeconfig" in cluster) local = cluster.plane;
    if ("kubeconfig" in cluster && !stopRequested) {
      report.kubeconfig = cluster.kubeconfig;
      const { startDevController } = await import("../../controller/dev.ts");
      controller = !existsSync(adminKeyFile)
        ? { skipped: `no admin key file at ${adminKeyFile}` }
        : await startDevController({
            keysUrl: service.url,
            apiKey: readFileSync(adminKeyFile, "utf8").trim(),
            dataDir: flags.dataDir,
            kubeconfig: cluster.kubeconfig,
            listenPort: 0, // metrics on a free port: a dev stack must not collide
          });
      report.controller =
        "running" in controller
          ? { server: controller.server, metricsUrl: controller.running.url ?? "" }
          : { skipped: controller.skipped };
      // The example goes only into the control plane dev owns, never into a cluster of yours.
      if (local && cluster.root && "running" in controller && !stopRequested) {
        out("  applying examples/k8s/apikey.yaml and waiting for its Secret …");
        const { applyExampleApiKey } = await import("../../controller/dev-example.ts");
        const file = join(cluster.root, "k8s", "apikey.yaml");
        report.example = {
          file: relative(process.cwd(), file) || file,
          ...(await applyExampleApiKey({ access: controller.access, file }).catch((error: unknown) => ({
            skipped: error instanceof Error ? error.message : String(error),
          }))),
        };
        const { prepareReviewSample } = await import("./dev-review-sample.ts");
        report.reviewSample = prepareReviewSample({ dataDir: flags.dataDir, exampleFile: file });
      }
    }
  } catch (error) {
    report.failure = error instanceof Error ? error.message : String(error);
  }
  if (!stopRequested) printDevReport(report, out);
  await stopped;
  if (controller && "running" in controller) await controller.running.stop();
  await local?.stop();
  await service.close();
}

type Cluster = { kubeconfig: string; plane?: LocalControlPlane; root?: string } | { missing: string };

/** The local control plane: binaries built when the cache lacks them, state in DATA_DIR/control-plane. */
async function localCluster(options: {
  dataDir: string;
  out: (line: string) => void;
  report: DevReport;
  signal: AbortSignal;
}): Promise<Cluster> {
  const { dataDir, out, report, signal } = options;
  const { LocalControlPlaneBuild, NoWrapperModulesError } = await import(
    "../local-control-plane/binaries.ts"
  );
  const { GoMissingError } = await import("../local-control-plane/go-build.ts");
  let build: InstanceType<typeof LocalControlPlaneBuild>;
  let binaries: ControlPlaneBinaries;
  try {
    build = LocalControlPlaneBuild.fromCheckout();
    const missing = build.toBuild();
    if (missing.length > 0) {
      const minutes = Math.ceil(missing.reduce((s, p) => s + p.coldSeconds, 0) / 60);
      out(
        `  building the local control plane (etcd, kube-apiserver, kubectl) from pinned Go modules: once, about ${minutes} min on 2 cores; the keys service answers meanwhile`,
      );
    }
    binaries = await build.ensure({ log: (line) => out(`  [control plane] ${line}`), signal });
    report.binaries = { kubectl: binaries.kubectl, built: missing.length > 0 };
  } catch (error) {
    if (error instanceof GoMissingError || error instanceof NoWrapperModulesError) {
      report.controlPlaneMissing = error.message;
      return { missing: error.message };
    }
    throw error;
  }
  if (signal.aborted) return { missing: "stopped before it started" };
  out("  starting the local control plane (etcd + kube-apiserver) …");
  const { startLocalControlPlane } = await import("../local-control-plane/control-plane.ts");
  const plane = await startLocalControlPlane({ binaries, dataDir });
  report.controlPlane = { server: plane.server, dir: plane.dir };
  return { kubeconfig: plane.kubeconfigPath, plane, root: examplesDir() };
}

/** The checkout's examples folder (an installed package has none). */
function examplesDir(): string | undefined {
  const dir = join(packageRoot(), "examples");
  return existsSync(dir) ? dir : undefined;
}

export function devCommand(): Command {
  return new Command("dev")
    .description(
      "run the local stack: the keys service, a local control plane (built once with Go), the controller and an example ApiKey; say what to try",
    )
    .addOption(
      new Option("--listen <host:port>", "keys service address")
        .default(parseListen("127.0.0.1:8787"), "127.0.0.1:8787")
        .argParser(parseListen),
    )
    .addOption(
      new Option("--data-dir <dir>", "where the local stack keeps its data and the control plane's state")
        .default(defaultDataDir(), "./.data")
        .env("AYRA_KEYS_DATA_DIR"),
    )
    .option(
      "--kubeconfig <file>",
      "run the controller against this cluster instead of a local control plane (the example is not applied there)",
    )
    .action(async (flags: DevFlags) => {
      await runDev(flags);
    });
}
