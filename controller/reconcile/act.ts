// Act: carries out one planner decision. Each step that changes something leaves state from which the
// next reconcile continues (a crash at any step is survived): the intent is recorded in
// status before a key is minted, a replay with the same Idempotency-Key returns the same key, and the
// Secret and status are written after the key exists.
import { isKeysApiError } from "../../core/client/errors.ts";
import type { ApiKeyWithSecret, RevocationReason } from "../../core/client/types.ts";
import { buildConditions } from "../../core/planner/conditions.ts";
import { hygieneWarnings } from "../../core/planner/plan.ts";
import { REASONS } from "../../core/planner/reasons.ts";
import { previousSlotAfter, statusAfterMint } from "../../core/planner/status.ts";
import {
  ANNOTATIONS,
  type ApiKeyStatus,
  type Decision,
  FINALIZER,
  KEY_METADATA,
  KEY_METADATA_MANAGED_BY,
  type PendingOperation,
} from "../../core/planner/types.ts";
import type { KeySpec } from "../../core/spec/key-spec.ts";
import { validateKeySpec } from "../../core/spec/validate.ts";
import { isAlreadyExists, isNotFound } from "../kube/rest.ts";
import type { SecretObject } from "../kube/types.ts";
import type { ReconcileDeps } from "./deps.ts";
import { type Gathered, readSecret, type Workload } from "./gather.ts";
import { API_KEY_API_VERSION, type ApiKeyObject, paths } from "./objects.ts";
import { buildSecret, controllerUid, type SecretContent, sameSecret } from "./secret-values.ts";

export type ActResult = { continue: true } | { continue: false; requeueAfterMs: number | null };
const CONTINUE: ActResult = { continue: true };

export function keyMetadata(
  deps: ReconcileDeps,
  obj: ApiKeyObject,
  extra: { owner?: string; purpose?: string },
): Record<string, string> {
  const metadata: Record<string, string> = {
    [KEY_METADATA.managedBy]: KEY_METADATA_MANAGED_BY,
    [KEY_METADATA.cluster]: deps.clusterId,
    [KEY_METADATA.namespace]: obj.metadata.namespace ?? "",
    [KEY_METADATA.name]: obj.metadata.name,
    [KEY_METADATA.uid]: obj.metadata.uid ?? "",
  };
  if (extra.owner) metadata[KEY_METADATA.owner] = extra.owner.slice(0, 500);
  if (extra.purpose) metadata[KEY_METADATA.purpose] = extra.purpose.slice(0, 500);
  return metadata;
}

function target(obj: ApiKeyObject) {
  return {
    apiVersion: API_KEY_API_VERSION,
    kind: "ApiKey",
    namespace: obj.metadata.namespace ?? "",
    name: obj.metadata.name,
    uid: obj.metadata.uid ?? "",
  };
}

function validSpec(obj: ApiKeyObject, now: number): KeySpec | undefined {
  const result = validateKeySpec(obj.spec, { target: "kubernetes", now: new Date(now) });
  return result.ok ? result.spec : undefined;
}

async function writeStatus(
  deps: ReconcileDeps,
  obj: ApiKeyObject,
  status: ApiKeyStatus,
): Promise<ApiKeyObject> {
  const clean = JSON.parse(JSON.stringify(status)) as ApiKeyStatus;
  if (clean.pending === null) delete clean.pending;
  const next = await deps.rest.replace<ApiKeyObject>(
    paths.apiKeyStatus(obj.metadata.namespace ?? "", obj.metadata.name),
    { ...obj, status: clean },
  );
  deps.latestApiKeys.remember(`${obj.metadata.namespace}/${obj.metadata.name}`, next);
  return next;
}

async function writeSecret(
  deps: ReconcileDeps,
  next: SecretObject,
  existing: SecretObject | undefined,
): Promise<SecretObject> {
  const ns = next.metadata.namespace ?? "";
  const written =
    existing === undefined
      ? await deps.rest.create<SecretObject>(paths.secrets(ns), next)
      : await deps.rest.replace<SecretObject>(paths.secret(ns, next.metadata.name), next);
  deps.latestSecrets.remember(`${ns}/${next.metadata.name}`, written);
  return written;
}

async function revoke(
  deps: ReconcileDeps,
  id: string,
  reason: RevocationReason,
  idempotencyKey?: string,
): Promise<void> {
  try {
    await deps.keys.revokeKey(id, { reason }, idempotencyKey === undefined ? {} : { idempotencyKey });
    deps.metrics.revocations.inc({ reason });
  } catch (error) {
    // Already revoked, expired or gone: the goal is reached.
    if (
      !isKeysApiError(error, "key_already_revoked") &&
      !isKeysApiError(error, "key_not_active") &&
      !isKeysApiError(error, "resource_missing")
    )
      throw error;
  }
  deps.facts.markRevoked(id);
}

async function restartWorkloads(
  deps: ReconcileDeps,
  obj: ApiKeyObject,
  keyId: string,
  targets: { kind: string; name: string }[],
): Promise<void> {
  const namespace = obj.metadata.namespace ?? "";
  for (const t of targets) {
    const path = paths.workload(namespace, t.kind, t.name);
    let workload: Workload;
    try {
      workload = await deps.rest.get<Workload>(path);
    } catch (error) {
      if (isNotFound(error)) continue;
      throw error;
    }
    // One restart per key: a workload already restarted for this key is left alone (a controller restart,
    // a replayed operation).
    if (workload.spec?.template?.metadata?.annotations?.[ANNOTATIONS.restartedFor] === keyId) continue;
    const now = new Date(deps.timers.now()).toISOString();
    await deps.rest.strategicPatch(path, {
      spec: {
        template: {
          metadata: {
            annotations: { [ANNOTATIONS.restartedFor]: keyId, "kubectl.kubernetes.io/restartedAt": now },
          },
        },
      },
    });
    deps.logger.info(
      { apiKey: `${namespace}/${obj.metadata.name}`, workload: `${t.kind}/${t.name}`, keyId },
      "restarted workload",
    );
  }
}

/** Clears a pending operation that cannot complete (the API refused it for good) and lets the planner decide again. */
async function abandon(deps: ReconcileDeps, g: Gathered, why: string): Promise<ActResult> {
  deps.logger.warn(
    { apiKey: `${g.obj.metadata.namespace}/${g.obj.metadata.name}`, why },
    "abandoned the pending operation",
  );
  await writeStatus(deps, g.obj, { ...g.snapshot.status, pending: null });
  return CONTINUE;
}

async function completePending(deps: ReconcileDeps, g: Gathered): Promise<ActResult> {
  const { obj, snapshot } = g;
  const status = snapshot.status;
  const pending = status.pending as PendingOperation;
  for (const id of pending.revokeKeyIds ?? []) {
    await revoke(deps, id, "compromised", `${pending.idempotencyKey}:revoke:${id}`);
  }
  let minted: ApiKeyWithSecret;
  try {
    if (pending.operation === "Create") {
      minted = await deps.keys.createKey(
        {
          name: pending.applied.displayName,
          environment: pending.applied.environment,
          scopes: pending.applied.scopes,
          expires_at: pending.expiresAt,
          metadata: keyMetadata(deps, obj, pending.applied),
        },
        { idempotencyKey: pending.idempotencyKey },
      );
    } else {
      minted = await deps.keys.rollKey(
        pending.fromKeyId ?? "",
        {
          scopes: pending.applied.scopes,
          expires_at: pending.expiresAt,
          grace_period_seconds: pending.gracePeriodSeconds ?? 0,
        },
        { idempotencyKey: pending.idempotencyKey },
      );
    }
  } catch (error) {
    if (isKeysApiError(error) && !error.retryable) {
      if (
        pending.operation === "Roll" &&
        ["key_not_active", "roll_in_progress", "resource_missing"].includes(error.code)
      ) {
        // The key to roll is gone or was rolled elsewhere: drop the intent; the planner replaces it.
        if (pending.fromKeyId !== undefined) deps.facts.markRevoked(pending.fromKeyId);
        return abandon(deps, g, error.code);
      }
      if (error.code === "idempotency_key_reused") return abandon(deps, g, error.code);
      // The API refuses the request itself (scope escalation, bad expiry…): stall, naming the API's answer.
      await writeStatus(deps, obj, {
        ...status,
        pending: null,
        observedGeneration: snapshot.object.generation,
        conditions: buildConditions(status.conditions, {
          summary: "stalled",
          reason: "KeysApiRefused",
          message: error.message,
          generation: snapshot.object.generation,
          now: snapshot.now,
        }),
      });
      deps.events.record(target(obj), "Warning", "KeysApiRefused", error.message);
      return { continue: false, requeueAfterMs: null };
    }
    throw error;
  }
  deps.facts.observe(minted);

  // The Secret: the new key, and the previous one during its grace period.
  const next = statusAfterMint({
    status,
    pending,
    minted: {
      id: minted.id,
      redacted: minted.redacted,
      createdAt: minted.created_at,
      expiresAt: minted.expires_at,
    },
    spec: validSpec(obj, snapshot.now),
    generation: snapshot.object.generation,
    secretName: g.layout.name,
    now: snapshot.now,
  });
  const secretFacts =
    snapshot.secret.state === "owned"
      ? snapshot.secret
      : { currentIntact: false, previousIntact: false, previousKeyId: undefined };
  const slot = previousSlotAfter(pending, secretFacts, status);
  const content: SecretContent = { current: minted.secret };
  if (slot !== undefined) {
    const value = slot.from === "current" ? g.values.current : g.values.previous;
    if (value !== undefined) content.previous = { keyId: slot.keyId, value };
  }
  const existing = snapshot.secret.state === "owned" ? g.secret : undefined;
  const desired = buildSecret(obj, g.layout, next, content, existing);
  if (!sameSecret(existing, desired)) {
    try {
      await writeSecret(deps, desired, existing);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      // Someone else's Secret appeared under this name: never take it over; the new key must not stray.
      const found = await readSecret(deps, obj.metadata.namespace ?? "", g.layout.name);
      if (found !== undefined && controllerUid(found) === obj.metadata.uid) throw error; // ours after all: retry
      await revoke(deps, minted.id, "unused");
      return abandon(deps, g, "the Secret is not ours");
    }
  }

  const spec = validSpec(obj, snapshot.now);
  if (status.keyId !== undefined && (spec?.restartTargets ?? []).length > 0) {
    await restartWorkloads(deps, obj, minted.id, spec?.restartTargets ?? []);
    next.restartedFor = minted.id;
  }
  await writeStatus(deps, obj, next);
  if (status.observedGeneration !== snapshot.object.generation && spec !== undefined)
    for (const w of hygieneWarnings(spec, snapshot.now))
      deps.events.record(target(obj), "Warning", "KeyHygiene", w);

  const replaced = status.keyId;
  if (replaced === undefined) {
    deps.metrics.creations.inc();
    deps.events.record(
      target(obj),
      "Normal",
      pending.reason,
      `Created key ${minted.id} (${minted.redacted}) in Secret ${g.layout.name}.`,
    );
  } else {
    deps.metrics.rotations.inc({ reason: pending.reason });
    const grace =
      pending.operation === "Roll"
        ? ` ${replaced} keeps working until ${next.previousKeys?.[0]?.revokeAfter ?? "now"}.`
        : "";
    deps.events.record(
      target(obj),
      "Normal",
      pending.reason,
      `Key ${minted.id} (${minted.redacted}) replaces ${replaced} (${pending.reason}).${grace}`,
    );
  }
  deps.logger.info(
    {
      apiKey: `${obj.metadata.namespace}/${obj.metadata.name}`,
      keyId: minted.id,
      replaced,
      reason: pending.reason,
    },
    "key in place",
  );
  return CONTINUE;
}

/** Removes `keyIds` from status.previousKeys and, if it holds one of them, the Secret's previous slot. */
async function dropPrevious(deps: ReconcileDeps, g: Gathered, keyIds: string[]): Promise<void> {
  const status = g.snapshot.status;
  const remaining = (status.previousKeys ?? []).filter((p) => !keyIds.includes(p.keyId));
  const next: ApiKeyStatus = { ...status, previousKeys: remaining };
  const secret = g.snapshot.secret;
  if (
    secret.state === "owned" &&
    secret.hasPrevious &&
    g.secret !== undefined &&
    g.values.current !== undefined
  ) {
    const keep = remaining[0];
    const content: SecretContent = { current: g.values.current };
    if (keep !== undefined && secret.previousKeyId === keep.keyId && g.values.previous !== undefined)
      content.previous = { keyId: keep.keyId, value: g.values.previous };
    const desired = buildSecret(g.obj, g.layout, next, content, g.secret);
    if (!sameSecret(g.secret, desired)) await writeSecret(deps, desired, g.secret);
  }
  if (remaining.length !== (status.previousKeys ?? []).length) await writeStatus(deps, g.obj, next);
}

async function finalize(deps: ReconcileDeps, g: Gathered, revokeKeys: boolean): Promise<ActResult> {
  const { obj } = g;
  if (revokeKeys) {
    // Every key minted for this ApiKey, found by its metadata: current, previous, and any stray.
    const uid = obj.metadata.uid ?? "";
    const ids: string[] = [];
    for await (const key of deps.keys.listAllKeys({ metadata: { [KEY_METADATA.uid]: uid }, limit: 100 }))
      if (key.status === "active" || key.status === "expiring") ids.push(key.id);
    for (const id of ids) {
      await revoke(deps, id, "project_ended");
    }
    if (ids.length > 0)
      deps.events.record(
        target(obj),
        "Normal",
        REASONS.Deleting,
        `Revoked ${ids.length} key(s): ${ids.join(", ")}.`,
      );
  }
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
  try {
    await deps.rest.mergePatch(paths.apiKey(obj.metadata.namespace ?? "", obj.metadata.name), {
      metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion },
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return { continue: false, requeueAfterMs: null };
}

export async function act(deps: ReconcileDeps, g: Gathered, d: Decision): Promise<ActResult> {
  const { obj, snapshot } = g;
  const status = snapshot.status;
  const ns = obj.metadata.namespace ?? "";
  switch (d.action) {
    case "wait":
      return { continue: false, requeueAfterMs: d.requeueAfterMs };
    case "finalize":
      return finalize(deps, g, d.revoke);
    case "addFinalizer": {
      const next = await deps.rest.mergePatch<ApiKeyObject>(paths.apiKey(ns, obj.metadata.name), {
        metadata: {
          finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER],
          resourceVersion: obj.metadata.resourceVersion,
        },
      });
      deps.latestApiKeys.remember(`${ns}/${obj.metadata.name}`, next);
      return CONTINUE;
    }
    case "stall": {
      await writeStatus(deps, obj, {
        ...status,
        observedGeneration: snapshot.object.generation,
        conditions: buildConditions(status.conditions, {
          summary: "stalled",
          reason: d.why,
          message: d.message,
          generation: snapshot.object.generation,
          now: snapshot.now,
        }),
      });
      deps.events.record(target(obj), "Warning", d.why, d.message);
      return { continue: false, requeueAfterMs: null };
    }
    case "recordIntent": {
      await writeStatus(deps, obj, {
        ...status,
        pending: d.pending,
        conditions: buildConditions(status.conditions, {
          summary: "reconciling",
          reason: d.why,
          message:
            status.keyId === undefined ? "Creating the key." : `Replacing key ${status.keyId} (${d.why}).`,
          generation: snapshot.object.generation,
          now: snapshot.now,
          keyInPlace: status.keyId !== undefined,
        }),
      });
      return CONTINUE;
    }
    case "completePending":
      return completePending(deps, g);
    case "revokeKeys": {
      for (const id of d.keyIds) await revoke(deps, id, d.reason);
      if (d.why === REASONS.StrayKeys) {
        deps.metrics.strays.inc(d.keyIds.length);
        deps.events.record(
          target(obj),
          "Warning",
          d.why,
          `Revoked stray key(s) ${d.keyIds.join(", ")} minted for this ApiKey but not in use.`,
        );
      } else if (d.why === REASONS.PreviousKeyQuiet) {
        deps.events.record(
          target(obj),
          "Normal",
          d.why,
          `Revoked previous key ${d.keyIds.join(", ")} early: unused for the quiet period and every restart target rolled out.`,
        );
      }
      await dropPrevious(deps, g, d.keyIds);
      return CONTINUE;
    }
    case "dropPrevious":
      await dropPrevious(deps, g, d.keyIds);
      return CONTINUE;
    case "patchKey": {
      const updated = await deps.keys.updateKey(status.keyId ?? "", {
        name: d.name,
        metadata: keyMetadata(deps, obj, { owner: d.owner, purpose: d.purpose }),
      });
      deps.facts.observe(updated);
      const applied = {
        ...(status.applied ?? { displayName: d.name, environment: "test" as const, scopes: [] }),
        displayName: d.name,
      };
      if (d.owner === undefined) delete applied.owner;
      else applied.owner = d.owner;
      if (d.purpose === undefined) delete applied.purpose;
      else applied.purpose = d.purpose;
      await writeStatus(deps, obj, { ...status, applied });
      return CONTINUE;
    }
    case "repairSecret": {
      if (g.values.current === undefined || g.secret === undefined) return CONTINUE;
      const content: SecretContent = { current: g.values.current };
      const keep = status.previousKeys?.[0];
      if (keep !== undefined && g.values.previous !== undefined)
        content.previous = { keyId: keep.keyId, value: g.values.previous };
      await writeSecret(deps, buildSecret(obj, g.layout, status, content, g.secret), g.secret);
      deps.events.record(target(obj), "Normal", d.why, `Repaired Secret ${g.layout.name}.`);
      return CONTINUE;
    }
    case "restartTargets": {
      await restartWorkloads(deps, obj, status.keyId ?? "", d.targets);
      await writeStatus(deps, obj, { ...status, restartedFor: status.keyId });
      return CONTINUE;
    }
    case "writeStatus": {
      for (const w of d.warnings) deps.events.record(target(obj), "Warning", "KeyHygiene", w);
      await writeStatus(deps, obj, d.status);
      return CONTINUE;
    }
  }
}
