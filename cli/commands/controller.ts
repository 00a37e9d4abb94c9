import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { parseDuration } from "../../core/domain/durations.ts";
import { ensureControllerRuntimeLimits } from "../runtime-limits.ts";
import { parseListen } from "./serve.ts";

export interface ControllerFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  apiUrl?: string;
  apiKeyFile?: string;
  clusterId?: string;
  driftInterval: number;
  keysApiTimeout: number;
  reconcileTimeout: number;
  concurrency: number;
  listen: { host: string; port: number };
  leaderElect: boolean;
  leaderElectionNamespace?: string;
  leaderElectionId?: string;
  leaseDuration: number;
  renewDeadline: number;
  retryPeriod: number;
  logLevel?: string;
}

function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

export function readApiKey(file: string | undefined): string {
  const key = file ? readFileSync(file, "utf8").trim() : (process.env.AYRA_API_KEY ?? "").trim();
  if (key === "") throw new Error("no keys-API credential: set AYRA_API_KEY or pass --api-key-file");
  return key;
}

export async function runController(flags: ControllerFlags): Promise<void> {
  // Loaded here, not at the top: the other commands do not pay for the controller (and it for them).
  const { startController } = await import("../../controller/controller.ts");
  const { createControllerLogger } = await import("../../controller/logger.ts");
  const { loadKubeAccess } = await import("../../controller/kube/kubeconfig.ts");
  const logger = createControllerLogger(flags.logLevel ? { level: flags.logLevel } : {});
  const apiUrl = flags.apiUrl ?? process.env.AYRA_API_URL;
  if (!apiUrl) throw new Error("no keys API: set AYRA_API_URL or pass --api-url");
  const controller = await startController({
    access: loadKubeAccess({ kubeconfig: flags.kubeconfig, context: flags.context }),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    keysApiUrl: apiUrl,
    keysApiKey: readApiKey(flags.apiKeyFile),
    ...(flags.clusterId ? { clusterId: flags.clusterId } : {}),
    driftIntervalMs: flags.driftInterval,
    keysApiTimeoutMs: flags.keysApiTimeout,
    reconcileTimeoutMs: flags.reconcileTimeout,
    concurrency: flags.concurrency,
    listen: flags.listen,
    leaderElection: {
      enabled: flags.leaderElect,
      // The pod's own namespace first: that is where its Role for the Lease lives, whatever it watches.
      namespace: flags.leaderElectionNamespace ?? process.env.POD_NAMESPACE ?? flags.namespace ?? "default",
      ...(flags.leaderElectionId ? { name: flags.leaderElectionId } : {}),
      leaseDurationMs: flags.leaseDuration,
      renewDeadlineMs: flags.renewDeadline,
      retryPeriodMs: flags.retryPeriod,
      ...(process.env.POD_NAME ? { identity: process.env.POD_NAME } : {}),
    },
    logger,
  });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await controller.stop();
}

export function controllerCommand(): Command {
  return new Command("controller")
    .description(
      "run the Kubernetes controller: ApiKeys → keys in Secrets, rotated with grace, revoked on delete",
    )
    .option(
      "--kubeconfig <path>",
      "kubeconfig file (default: every file in $KUBECONFIG merged as kubectl merges them, ~/.kube/config, or in-cluster)",
    )
    .option("--context <name>", "kubeconfig context to use (default: current-context)")
    .option("--namespace <ns>", "watch ApiKeys in this namespace only (default: all namespaces)")
    .addOption(new Option("--api-url <url>", "the keys API").env("AYRA_API_URL"))
    .option("--api-key-file <path>", "file holding the keys-API key (default: $AYRA_API_KEY)")
    .option("--cluster-id <id>", "recorded on every key to find it again (default: the uid of kube-system)")
    .addOption(
      new Option("--drift-interval <duration>", "how often to list keys changed out of band")
        .default(300_000, "5m")
        .argParser(duration),
    )
    .addOption(
      new Option("--keys-api-timeout <duration>", "timeout of one keys-API attempt")
        .default(10_000, "10s")
        .argParser(duration),
    )
    .addOption(
      new Option(
        "--reconcile-timeout <duration>",
        "abort a reconcile still running after this long (its calls are cancelled, then it is retried)",
      )
        .default(60_000, "60s")
        .argParser(duration),
    )
    .addOption(
      new Option("--concurrency <n>", "ApiKeys reconciled at once").default(16).argParser(positiveInt),
    )
    .addOption(
      new Option("--listen <host:port>", "address of /healthz, /readyz and /metrics")
        .default(parseListen("127.0.0.1:9090"), "127.0.0.1:9090")
        .argParser(parseListen),
    )
    .addOption(new Option("--no-leader-elect", "run without a leader-election Lease (one replica only)"))
    .option(
      "--leader-election-namespace <ns>",
      "namespace of the Lease (default: $POD_NAMESPACE, --namespace, or default)",
    )
    .option(
      "--leader-election-id <name>",
      "name of the Lease (default: ayra-keys-controller); one per controller that watches other ApiKeys",
    )
    .addOption(
      new Option("--lease-duration <duration>", "how long a Lease holds without renewal")
        .default(10_000, "10s")
        .argParser(duration),
    )
    .addOption(
      new Option("--renew-deadline <duration>", "give up leadership if not renewed within")
        .default(7_000, "7s")
        .argParser(duration),
    )
    .addOption(
      new Option("--retry-period <duration>", "how often to renew or try to acquire")
        .default(2_000, "2s")
        .argParser(duration),
    )
    .option("--log-level <level>", "pino level: debug, info, warn, error")
    .addHelpText(
      "after",
      "\nExample:\n  AYRA_API_URL=http://127.0.0.1:8787 AYRA_API_KEY=$(cat .data/admin-key) \\\n    ayra-keys controller --kubeconfig ~/.kube/config --namespace default\n",
    )
    .action(async (flags: ControllerFlags) => {
      // Before anything is loaded: the process may be replaced by one with the controller's heap limits.
      ensureControllerRuntimeLimits();
      await runController(flags);
    });
}
