// Reads what the registry and the reminders are built from: every key from the keys API and, when a cluster
// answers, every ApiKey. A cluster that cannot be read is a note, never a failure: the keys API is the record.
import { createKeysClient, type KeysClient } from "../../core/client/index.ts";
import type { ApiKey, ApiKeyUsage } from "../../core/client/types.ts";
import { parseDuration } from "../../core/domain/durations.ts";
import type { ClusterApiKey, RevokedAttempts } from "../../core/operations/registry.ts";
import type { ApiKeyStatus } from "../../core/planner/types.ts";
import { readApiKey } from "./controller.ts";

/** A flag's value is wrong: the message names the flag; the command exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`${flag}: ${message}`);
    this.flag = flag;
  }
}

export function durationFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDuration(value);
  } catch (error) {
    throw new UsageError(flag, error instanceof Error ? error.message : String(error));
  }
}

export interface KeysSourceFlags {
  apiUrl?: string;
  apiKeyFile?: string;
}

function keysClient(flags: KeysSourceFlags): KeysClient {
  const baseUrl = flags.apiUrl ?? process.env.AYRA_API_URL;
  if (!baseUrl) throw new UsageError("--api-url", "no keys API: set AYRA_API_URL or pass --api-url");
  return createKeysClient({ baseUrl, apiKey: readApiKey(flags.apiKeyFile), userAgent: "ayra-keys-cli" });
}

export async function readAllKeys(flags: KeysSourceFlags, progress: (n: number) => void): Promise<ApiKey[]> {
  const client = keysClient(flags);
  const keys: ApiKey[] = [];
  for await (const key of client.listAllKeys({ limit: 100 })) {
    keys.push(key);
    if (keys.length % 500 === 0) progress(keys.length);
  }
  return keys;
}

/** Usage reads in flight at once: one call per key, so a few together. */
const USAGE_READS_AT_ONCE = 8;

/** The revoked attempts of each key in `ids`, from its usage (one call per key). */
export async function readRevokedAttempts(
  flags: KeysSourceFlags,
  ids: readonly string[],
  progress: (done: number, total: number) => void,
): Promise<Map<string, RevokedAttempts>> {
  const client = keysClient(flags);
  const read = new Map<string, RevokedAttempts>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      // The usage type predates these fields; another implementation of the API may not report them.
      const usage: ApiKeyUsage = await client.getUsage(id);
      read.set(id, {
        ...(typeof usage.revoked_attempts === "number" ? { revoked_attempts: usage.revoked_attempts } : {}),
        last_revoked_attempt_at: usage.last_revoked_attempt_at ?? null,
      });
      if (read.size % 100 === 0) progress(read.size, ids.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(USAGE_READS_AT_ONCE, ids.length) }, worker));
  return read;
}

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  /** commander's --no-cluster. */
  cluster: boolean;
}

/**
 * `note` says why no cluster was read, except when --no-cluster asked for that. `clusterId` (the uid of
 * kube-system, the id the controller records on its keys by default) only when asked for and readable.
 */
export type ClusterRead =
  | { apiKeys: ClusterApiKey[]; clusterId?: string; clusterIdNote?: string }
  | { apiKeys: undefined; note?: string };

interface ApiKeyList {
  metadata: { continue?: string };
  items: {
    metadata: { namespace: string; name: string; uid: string };
    spec?: ClusterApiKey["spec"];
    status?: ApiKeyStatus;
  }[];
}

export async function readClusterApiKeys(
  flags: ClusterFlags,
  options: { clusterId?: boolean /** What the note says is lost without a cluster. */; lost?: string } = {},
): Promise<ClusterRead> {
  const lost = options.lost ?? "where used not shown";
  if (!flags.cluster) return { apiKeys: undefined };
  const { loadKubeAccess, isKubeconfigError } = await import("../../controller/kube/kubeconfig.ts");
  const { KubeRest, KubeApiError } = await import("../../controller/kube/rest.ts");
  const { paths } = await import("../../controller/reconcile/objects.ts");
  let rest: InstanceType<typeof KubeRest>;
  try {
    rest = new KubeRest({
      access: loadKubeAccess({ kubeconfig: flags.kubeconfig, context: flags.context }),
      userAgent: "ayra-keys-cli",
    });
  } catch (error) {
    if (isKubeconfigError(error)) return { apiKeys: undefined, note: `${error.message}; ${lost}` };
    throw error;
  }
  try {
    const apiKeys: ClusterApiKey[] = [];
    let next: string | undefined;
    do {
      const page: ApiKeyList = await rest.request<ApiKeyList>({
        method: "GET",
        path: paths.apiKeys(),
        query: { limit: 500, continue: next },
        timeoutMs: 15_000,
      });
      for (const item of page.items)
        apiKeys.push({
          namespace: item.metadata.namespace,
          name: item.metadata.name,
          uid: item.metadata.uid,
          spec: item.spec ?? {},
          ...(item.status ? { status: item.status } : {}),
        });
      next = page.metadata.continue || undefined;
    } while (next !== undefined);
    if (!options.clusterId) return { apiKeys };
    try {
      const ns = await rest.request<{ metadata: { uid: string } }>({
        method: "GET",
        path: "/api/v1/namespaces/kube-system",
        timeoutMs: 15_000,
      });
      return { apiKeys, clusterId: ns.metadata.uid };
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      return { apiKeys, clusterIdNote: `reading namespace kube-system answered ${error.status}` };
    }
  } catch (error) {
    const why =
      error instanceof KubeApiError
        ? error.status === 404
          ? "the ApiKey CRD is not installed"
          : `listing ApiKeys answered ${error.status}`
        : `the cluster at ${rest.server.origin} did not answer (${error instanceof Error ? error.message : String(error)})`;
    return { apiKeys: undefined, note: `${why}; ${lost}` };
  } finally {
    rest.close();
  }
}
