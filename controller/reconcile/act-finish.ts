// Act, finishing effects: the status write, the events a person should see, the finalizer. Each only
// performs what the decision carries.

import { revokeUnlessGone } from "../../core/client/revoke-unless-gone.ts";
import type { RevocationReason } from "../../core/client/types.ts";
import { buildConditions } from "../../core/planner/conditions.ts";
import type { Reason } from "../../core/planner/reasons.ts";
import { withoutLegacy } from "../../core/planner/status.ts";
import { type ApiKeyStatus, FINALIZER, type Notice } from "../../core/planner/types.ts";
import { isNotFound } from "../kube/rest.ts";
import type { ReconcileDeps } from "./deps.ts";
import type { Gathered } from "./gather.ts";
import { API_KEY_API_VERSION, type ApiKeyObject, paths } from "./objects.ts";

export type ActResult = { continue: true } | { continue: false; requeueAfterMs: number | null };
export const CONTINUE: ActResult = { continue: true };

export function target(obj: ApiKeyObject) {
  const { namespace, name, uid } = obj.metadata;
  return { apiVersion: API_KEY_API_VERSION, kind: "ApiKey", namespace, name, uid };
}

export function announce(deps: ReconcileDeps, obj: ApiKeyObject, notices: readonly Notice[]): void {
  for (const n of notices) {
    deps.events.record(target(obj), n.type, n.reason, n.message);
    if (n.type === "Warning") deps.metrics.warnings.inc({ reason: n.reason });
  }
}

export async function writeStatus(
  deps: ReconcileDeps,
  obj: ApiKeyObject,
  status: ApiKeyStatus,
  signal?: AbortSignal,
): Promise<ApiKeyObject> {
  const clean = JSON.parse(JSON.stringify(withoutLegacy(status))) as ApiKeyStatus;
  const next = await deps.rest.replace<ApiKeyObject>(
    paths.apiKeyStatus(obj.metadata.namespace, obj.metadata.name),
    { ...obj, status: clean },
    { signal },
  );
  deps.latestApiKeys.remember(`${obj.metadata.namespace}/${obj.metadata.name}`, next);
  return next;
}

export async function stall(
  deps: ReconcileDeps,
  g: Gathered,
  d: { why: Reason; message: string; notices: Notice[] },
  signal?: AbortSignal,
): Promise<ActResult> {
  const { obj, snapshot } = g;
  const { generation } = snapshot.object;
  await writeStatus(
    deps,
    obj,
    {
      ...snapshot.status,
      observedGeneration: generation,
      conditions: buildConditions(snapshot.status.conditions, {
        summary: "stalled",
        reason: d.why,
        message: d.message,
        generation,
        now: snapshot.now,
      }),
    },
    signal,
  );
  announce(deps, obj, d.notices);
  return { continue: false, requeueAfterMs: null };
}

export async function revokeKeys(
  deps: ReconcileDeps,
  ids: readonly string[],
  reason: RevocationReason,
  signal?: AbortSignal,
): Promise<void> {
  for (const id of ids) {
    let done: Awaited<ReturnType<typeof revokeUnlessGone>>;
    try {
      done = await revokeUnlessGone(deps.keys, id, { reason }, { signal });
    } catch (error) {
      if (!signal?.aborted) deps.metrics.revocationFailures.inc({ reason });
      throw error;
    }
    if (done !== undefined) deps.metrics.revocations.inc({ reason });
    deps.facts.markRevoked(id);
  }
}

/** An ApiKey deleted with the finalizer of an earlier release: revoke its keys, then let it go. */
export async function finalize(
  deps: ReconcileDeps,
  obj: ApiKeyObject,
  revokeKeyIds: string[],
  signal?: AbortSignal,
): Promise<ActResult> {
  await revokeKeys(deps, revokeKeyIds, "project_ended", signal);
  if (revokeKeyIds.length > 0)
    deps.logger.info(
      { apiKey: `${obj.metadata.namespace}/${obj.metadata.name}`, revoked: revokeKeyIds },
      "revoked the keys of a deleted ApiKey",
    );
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
  try {
    await deps.rest.mergePatch(
      paths.apiKey(obj.metadata.namespace, obj.metadata.name),
      { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } },
      { signal },
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return { continue: false, requeueAfterMs: null };
}
