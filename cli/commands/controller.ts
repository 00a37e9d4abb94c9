import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import type { ControllerOptions } from "../../controller/controller.ts";
import { parseSecretRef } from "../../controller/credential/secret-ref.ts";
import { parseDuration } from "../../core/domain/durations.ts";
import { ensureControllerRuntimeLimits } from "../runtime-limits.ts";
import { parseListen } from "./serve.ts";

export interface ControllerFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  apiUrl?: string;
  apiKeyFile?: string;
  credentialSecret?: string;
  credentialSecretKey: string;
  credentialRotation?: number;
  credentialGrace: number;
  keysApiReplayWindow: number;
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

/** Where the controller's own key comes from: a fixed key (env or file), or its Secret, maybe rotated. */
export function credentialSource(
  flags: ControllerFlags,
): Pick<ControllerOptions, "keysApiKey" | "credential"> {
  if (flags.credentialSecret === undefined) {
    if (flags.credentialRotation !== undefined)
      throw new InvalidArgumentError(
        "--credential-rotation needs --credential-secret: the rotated key is written back to that Secret",
      );
    return { keysApiKey: readApiKey(flags.apiKeyFile) };
  }
  if (flags.apiKeyFile !== undefined)
    throw new InvalidArgumentError("give --credential-secret or --api-key-file, not both");
  const namespace = process.env.POD_NAMESPACE ?? flags.namespace ?? "default";
  const secret = parseSecretRef(flags.credentialSecret, namespace, flags.credentialSecretKey);
  const interval = flags.credentialRotation;
  if (interval === undefined) return { credential: { secret } };
  if (flags.credentialGrace >= interval)
    throw new InvalidArgumentError(
      "--credential-grace must be shorter than --credential-rotation: the old key is revoked before the next roll",
    );
  return {
    credential: {
      secret,
      rotation: {
        intervalMs: interval,
        graceMs: flags.credentialGrace,
        replayWindowMs: flags.keysApiReplayWindow,
      },
    },
  };
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
    ...credentialSource(flags),
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
    .option(
      "--credential-secret <[namespace/]name>",
      "read the keys-API key from this Secret instead (namespace default: $POD_NAMESPACE, --namespace, or default); re-read on a 401",
    )
    .option("--credential-secret-key <key>", "the Secret's data field holding the key", "api-key")
    .addOption(
      new Option(
        "--credential-rotation <duration>",
        "roll the controller's own key this often and write the new one to --credential-secret (a key without a rotation record, as installed, is rolled at start); default: never",
      ).argParser(duration),
    )
    .addOption(
      new Option(
        "--credential-grace <duration>",
        "how long the replaced key keeps working: the longest the controller may be down mid-rotation and still recover",
      )
        .default(86_400_000, "24h")
        .argParser(duration),
    )
    .addOption(
      new Option(
        "--keys-api-replay-window <duration>",
        "the keys service's Idempotency-Key replay window; an interrupted roll older than this is finished by minting a successor",
      )
        .default(86_400_000, "24h")
        .argParser(duration),
    )
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
      "\nExamples:\n  AYRA_API_URL=http://127.0.0.1:8787 AYRA_API_KEY=$(cat .data/admin-key) \\\n    ayra-keys controller --kubeconfig ~/.kube/config --namespace default\n\n  # the key in a Secret, rolled every 30 days (the old key works 24 h more, then is revoked)\n  ayra-keys controller --api-url https://keys.example.com \\\n    --credential-secret ayra-keys-system/ayra-keys-controller-credential --credential-rotation 30d\n",
    )
    .action(async (flags: ControllerFlags) => {
      // Before anything is loaded: the process may be replaced by one with the controller's heap limits.
      ensureControllerRuntimeLimits();
      await runController(flags);
    });
}
