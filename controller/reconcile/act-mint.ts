// Act, mint effect: revoke what the planner named, send the create or roll it fixed (a retry after a crash
// sends the same request with the same Idempotency-Key, so the keys service answers with the same key),
// then the Secret, the restart targets, and the status. A refusal for good is remembered for the planner;
// a 401 is not one (it is the controller's key that failed).
import { isKeysApiError, isUnauthenticated } from "../../core/client/errors.ts";
import type { ApiKeyWithSecret } from "../../core/client/types.ts";
import type { Reason } from "../../core/planner/reasons.ts";
import { statusAfterMint } from "../../core/planner/status.ts";
import type { MintPlan, Notice } from "../../core/planner/types.ts";
import { isAlreadyExists } from "../kube/rest.ts";
import { type ActResult, announce, CONTINUE, revokeKeys, writeStatus } from "./act-finish.ts";
import { restartWorkloads } from "./act-restart.ts";
import { putSecret } from "./act-secret.ts";
import type { ReconcileDeps } from "./deps.ts";
import type { Gathered } from "./gather.ts";
import { buildSecret, type SecretContent } from "./secret-values.ts";

async function send(deps: ReconcileDeps, plan: MintPlan, signal?: AbortSignal): Promise<ApiKeyWithSecret> {
  const r = plan.request;
  const options = { idempotencyKey: r.idempotencyKey, signal };
  return r.operation === "Create"
    ? deps.keys.createKey(r.body, options)
    : deps.keys.rollKey(r.fromKeyId, r.body, options);
}

const ROLL_TARGET_CHANGED: readonly string[] = ["key_not_active", "roll_in_progress", "resource_missing"];

async function refresh(deps: ReconcileDeps, id: string, signal?: AbortSignal): Promise<void> {
  try {
    deps.facts.observe(await deps.keys.getKey(id, { signal }));
  } catch (error) {
    if (!isKeysApiError(error, "resource_missing")) throw error;
    deps.facts.markRevoked(id);
  }
}

export async function mint(
  deps: ReconcileDeps,
  g: Gathered,
  d: { why: Reason; plan: MintPlan; notices: Notice[] },
  signal?: AbortSignal,
): Promise<ActResult> {
  const { obj, snapshot } = g;
  const { plan } = d;
  await revokeKeys(deps, plan.revokeFirst, "compromised", signal);
  let minted: ApiKeyWithSecret;
  const uid = obj.metadata.uid;
  deps.unanswered.set(uid, plan.request);
  try {
    minted = await send(deps, plan, signal);
    deps.unanswered.delete(uid);
  } catch (error) {
    // A 401 is about the controller's own key, not this ApiKey: fail the reconcile so the queue retries with
    // backoff while the credential keeper reads its Secret again; stalling would outlive the cure.
    if (!isKeysApiError(error) || error.retryable || isUnauthenticated(error)) throw error;
    deps.unanswered.delete(uid);
    // The keys API's final answer. A roll refused because the key changed under us (expired, rolled or
    // revoked elsewhere) refreshes that key's record; anything else is remembered for the planner to stall.
    const r = plan.request;
    if (r.operation === "Roll" && ROLL_TARGET_CHANGED.includes(error.code))
      await refresh(deps, r.fromKeyId, signal);
    else deps.refusals.record(obj.metadata.uid, snapshot.object.generation, error.message);
    return CONTINUE;
  }
  deps.facts.observe(minted);

  const restart = plan.restartTargets.length > 0;
  const next = statusAfterMint({
    status: snapshot.status,
    plan,
    minted: {
      id: minted.id,
      redacted: minted.redacted,
      createdAt: Date.parse(minted.created_at),
      expiresAt: minted.expires_at === null ? null : Date.parse(minted.expires_at),
    },
    generation: snapshot.object.generation,
    secretName: g.layout.name,
    now: snapshot.now,
    restarted: restart,
  });
  const content: SecretContent = { current: minted.secret };
  const slot = plan.previousSlot;
  if (slot !== undefined) {
    const value = slot.from === "current" ? g.values.current : g.values.previous;
    if (value !== undefined) content.previous = { keyId: slot.keyId, value };
  }
  const existing = snapshot.secret.state === "owned" ? g.secret : undefined;
  try {
    await putSecret(deps, buildSecret(obj, g.layout, next, content, existing), existing, signal);
  } catch (error) {
    // A Secret appeared under this name meanwhile: the next pass looks at it (ours, or someone else's).
    if (isAlreadyExists(error)) return CONTINUE;
    throw error;
  }
  if (restart) await restartWorkloads(deps, obj, minted.id, plan.restartTargets, signal);
  await writeStatus(deps, obj, next, signal);

  const notices = [...d.notices];
  if (plan.replaces === undefined) deps.metrics.creations.inc();
  else {
    deps.metrics.rotations.inc({ reason: d.why });
    const grace = next.previousKeys?.find((p) => p.keyId === plan.replaces?.id);
    const until = grace === undefined ? "" : ` ${grace.keyId} keeps working until ${grace.revokeAfter}.`;
    notices.push({
      type: "Normal",
      reason: d.why,
      message: `Key ${minted.id} (${minted.redacted}) replaces ${plan.replaces.id} (${d.why}).${until}`,
    });
  }
  announce(deps, obj, notices);
  deps.logger.info(
    {
      apiKey: `${obj.metadata.namespace}/${obj.metadata.name}`,
      keyId: minted.id,
      replaced: plan.replaces?.id,
      reason: d.why,
    },
    "key in place",
  );
  return CONTINUE;
}
