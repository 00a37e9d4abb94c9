// What rotate, revoke, incident and offboard share: flags, the keys client (every request id kept to quote
// to support), the cluster connection (opened only when a key is the controller's), finding NAME|ID, and
// carrying out a runbook step.
import { type Command, Option } from "commander";
import type { KubeRest } from "../../controller/kube/rest.ts";
import { createKeysClient, isKeysApiError, type KeysClient } from "../../core/client/index.ts";
import type { ApiKey, RevocationReason } from "../../core/client/types.ts";
import { DurationError, parseDuration } from "../../core/domain/durations.ts";
import { ReasonError, type RunbookStep } from "../../core/operations/runbook.ts";
import { apiKeyServes, looksLikeKeyId, pickTarget, TargetError } from "../../core/operations/target.ts";
import type { ApiKeyStatus } from "../../core/planner/types.ts";
import { readApiKey } from "./controller.ts";

/** Documented in docs/operations-runbooks.md; the same for every operating command. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  refused: 3,
  timedOut: 4,
  notConfirmed: 5,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  done (or, with --dry-run, the plan shown)
  1  a call failed (the keys API or the cluster); the request ids are printed
  2  bad input: unknown or ambiguous NAME|ID, a bad duration or reason
  3  refused: the key is managed elsewhere (Pulumi, or an ApiKey for revoke); the command to run is printed
  4  --wait timed out before the rotation finished (it goes on in the controller)
  5  not confirmed (offboard without a terminal and without --yes, or answered no)`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface OpsFlags {
  apiUrl?: string;
  apiKeyFile?: string;
  kubeconfig?: string;
  context?: string;
  output: "text" | "json";
  dryRun?: boolean;
}

export function addConnectionOptions(command: Command): Command {
  return command
    .option("--api-url <url>", "the keys API (default: $AYRA_API_URL)")
    .option("--api-key-file <file>", "a file holding a key with api_keys:write (default: $AYRA_API_KEY)")
    .option(
      "--kubeconfig <file>",
      "the cluster of controller-managed keys (default: $KUBECONFIG, ~/.kube/config)",
    )
    .option("--context <name>", "the kubeconfig context to use")
    .addOption(
      new Option("--output <format>", "text, or json for scripts").choices(["text", "json"]).default("text"),
    )
    .option("--dry-run", "show what would happen; change nothing")
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));
}

export interface RequestRecord {
  operation: string;
  status: number | null;
  request_id: string | null;
}

export interface OpsContext {
  keys: KeysClient;
  /** Every keys-API call made, with the id the service gave it. */
  requests: RequestRecord[];
  kube(): Promise<KubeRest>;
  progress(line: string): void;
  close(): void;
}

export async function openContext(flags: OpsFlags): Promise<OpsContext> {
  const apiUrl = flags.apiUrl ?? process.env.AYRA_API_URL;
  if (!apiUrl) throw new UsageError("no keys API: set AYRA_API_URL or pass --api-url");
  const { httpFetch } = await import("../../controller/keys/http-fetch.ts");
  const requests: RequestRecord[] = [];
  const keys = createKeysClient({
    baseUrl: apiUrl,
    apiKey: readApiKey(flags.apiKeyFile),
    userAgent: "ayra-keys-cli",
    fetch: httpFetch,
    onRequest: (i) => requests.push({ operation: i.operation, status: i.status, request_id: i.requestId }),
  });
  let rest: KubeRest | undefined;
  return {
    keys,
    requests,
    async kube() {
      if (rest) return rest;
      const { loadKubeAccess } = await import("../../controller/kube/kubeconfig.ts");
      const { KubeRest } = await import("../../controller/kube/rest.ts");
      rest = new KubeRest({
        access: loadKubeAccess({ kubeconfig: flags.kubeconfig, context: flags.context }),
        userAgent: "ayra-keys-cli",
      });
      return rest;
    },
    progress(line) {
      // Progress is for people: on stderr, so stdout stays the result (and JSON stays parseable).
      process.stderr.write(`${line}\n`);
    },
    close() {
      rest?.close();
    },
  };
}

/** NAME|ID to one key: an id is fetched directly, a name listed exactly (every status, for a clear error). */
export async function findKey(keys: KeysClient, reference: string): Promise<ApiKey> {
  let byId: ApiKey | undefined;
  if (looksLikeKeyId(reference)) {
    try {
      byId = await keys.getKey(reference);
    } catch (error) {
      if (!isKeysApiError(error, "resource_missing")) throw error;
    }
  }
  const byName: ApiKey[] = [];
  if (!byId && reference.trim() !== "")
    for await (const k of keys.listAllKeys({ name: reference, limit: 100 })) byName.push(k);
  return pickTarget(reference, { byId, byName });
}

export function parseGrace(text: string, flag = "--grace"): number {
  try {
    const ms = parseDuration(text, { allowZero: flag === "--grace" });
    if (ms > 31_536_000_000)
      throw new UsageError(`${flag} ${text} is longer than the keys API allows (365d)`);
    return ms;
  } catch (error) {
    if (error instanceof DurationError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}

export interface StepResult {
  step: RunbookStep["kind"];
  key_id: string;
  new_key_id?: string;
  annotation?: string;
  value?: string;
  revoked?: boolean;
  reason?: RevocationReason;
}

/** Carries out one step that changes something; the caller handles refuse and nothing. */
export async function carryOut(
  ctx: OpsContext,
  step: Extract<RunbookStep, { kind: "annotate" | "roll" | "revoke" }>,
  options: { keyId: string; writeSecret?: (value: string) => Promise<void> },
): Promise<StepResult> {
  switch (step.kind) {
    case "annotate": {
      const rest = await ctx.kube();
      const { paths } = await import("../../controller/reconcile/objects.ts");
      const path = paths.apiKey(step.namespace, step.name);
      const apiKey = await rest.get<{ status?: ApiKeyStatus }>(path);
      if (!apiKeyServes(apiKey, options.keyId))
        throw new UsageError(
          `${options.keyId} names ApiKey ${step.namespace}/${step.name} in its metadata, but that ApiKey's status does not name the key: nothing was changed`,
        );
      // GitOps-safe: only this annotation changes; spec and every other field stay as the source wrote them.
      await rest.mergePatch(path, {
        metadata: { annotations: { [step.annotation]: step.value } },
      });
      return { step: "annotate", key_id: options.keyId, annotation: step.annotation, value: step.value };
    }
    case "roll": {
      const rolled = await ctx.keys.rollKey(step.keyId, { grace_period_seconds: step.graceSeconds });
      await options.writeSecret?.(rolled.secret);
      return { step: "roll", key_id: step.keyId, new_key_id: rolled.id };
    }
    case "revoke": {
      const { revokeUnlessGone } = await import("../../core/client/index.ts");
      const done = await revokeUnlessGone(ctx.keys, step.keyId, { reason: step.reason });
      return { step: "revoke", key_id: step.keyId, revoked: done !== undefined, reason: step.reason };
    }
  }
}

/** Typed errors to exit codes and one clear line; never a stack trace. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof TargetError || error instanceof ReasonError)
    return EXIT.usage;
  return EXIT.failed;
}

export function requestIdsLine(requests: readonly RequestRecord[]): string {
  const ids = requests.map((r) => r.request_id).filter((id): id is string => id !== null);
  return ids.length === 0 ? "" : `Request ids (quote them to support): ${ids.join(", ")}`;
}
