// The planner: a chain of named checks over one snapshot; the first that fires decides (cert-manager's
// NewTriggerPolicyChain). Pure: no I/O, no logging, time only through snapshot.now.
import { parseDuration } from "../domain/durations.ts";
import { evaluateHygiene } from "../hygiene/evaluate.ts";
import { evaluatePolicy } from "../policy/evaluate.ts";
import { gracePeriodMs, renewalOptionsFor, rotationDue } from "../rotation/rotation-due.ts";
import { mintsNewKey } from "../spec/edit-rules.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import { formatSpecErrors, validateKeySpec } from "../spec/validate.ts";
import { requestIsNew } from "./annotations.ts";
import { buildConditions, conditionOf, sameConditions } from "./conditions.ts";
import { REASONS, type Reason } from "./reasons.ts";
import { appliedFrom, nextRotationAt, readyMessage } from "./status.ts";
import {
  ANNOTATIONS,
  type ApiKeyStatus,
  type Decision,
  type FactsNeeded,
  type PendingOperation,
  type Snapshot,
} from "./types.ts";

type Context = { s: Snapshot; spec: KeySpec | undefined; status: ApiKeyStatus; now: number };
type ValidContext = Context & { spec: KeySpec };
type Check = (ctx: Context) => Decision | undefined;
type ValidCheck = (ctx: ValidContext) => Decision | undefined;

const iso = (ms: number) => new Date(ms).toISOString();

function deletionPolicyOf(spec: unknown): string {
  const value =
    typeof spec === "object" && spec !== null
      ? (spec as { deletionPolicy?: unknown }).deletionPolicy
      : undefined;
  return value === "Retain" ? "Retain" : "Revoke";
}

function stall(ctx: Context, why: Reason, message: string): Decision {
  const stalled = conditionOf(ctx.status.conditions, "Stalled");
  const already =
    stalled?.status === "True" &&
    stalled.reason === why &&
    stalled.message === message &&
    ctx.status.observedGeneration === ctx.s.object.generation;
  return already ? { action: "wait", why, requeueAfterMs: null } : { action: "stall", why, message };
}

function expiresAtFor(spec: KeySpec, now: number): string | null {
  if (spec.expiresAt !== undefined) return iso(Date.parse(spec.expiresAt));
  if (spec.expiresAfter !== undefined) return iso(now + parseDuration(spec.expiresAfter));
  return null;
}

function intent(
  ctx: ValidContext,
  why: Reason,
  fields: Partial<PendingOperation> & Pick<PendingOperation, "operation">,
): Decision {
  const { spec, status, now } = ctx;
  const applied = appliedFrom(spec);
  if (fields.operation === "Roll") {
    // A roll keeps the old key's metadata (owner, purpose); a later PATCH brings them up to date.
    delete applied.owner;
    delete applied.purpose;
    if (status.applied?.owner !== undefined) applied.owner = status.applied.owner;
    if (status.applied?.purpose !== undefined) applied.purpose = status.applied.purpose;
  }
  const pending: PendingOperation = {
    idempotencyKey: ctx.s.freshId,
    reason: why,
    startedAt: iso(now),
    applied,
    expiresAt: expiresAtFor(spec, now),
    ...fields,
  };
  if (fields.operation === "Roll") {
    pending.fromKeyId = status.keyId;
    pending.gracePeriodSeconds = Math.floor(gracePeriodMs(spec.rotation) / 1000);
  }
  return { action: "recordIntent", why, pending };
}

// ── checks that need no valid spec ────────────────────────────────────────────────────────────────────────

const deleting: Check = ({ s }) => {
  if (!s.object.deleting) return undefined;
  if (!s.object.hasFinalizer) return { action: "wait", why: REASONS.Deleting, requeueAfterMs: null };
  return { action: "finalize", why: REASONS.Deleting, revoke: deletionPolicyOf(s.spec) === "Revoke" };
};

const finalizerMissing: Check = ({ s }) =>
  s.object.hasFinalizer ? undefined : { action: "addFinalizer", why: REASONS.FinalizerMissing };

// A recorded intent is finished before anything else is decided: the key may already exist.
const pendingOperation: Check = ({ status }) =>
  status.pending ? { action: "completePending", why: REASONS.PendingOperation } : undefined;

// ── checks on a valid spec, in order of precedence ────────────────────────────────────────────────────────

const policyDenied: ValidCheck = (ctx) => {
  const verdict = evaluatePolicy(ctx.spec, ctx.s.policy, ctx.now);
  return verdict.allowed ? undefined : stall(ctx, REASONS.PolicyDenied, verdict.message);
};

const secretClaimed: ValidCheck = (ctx) =>
  ctx.s.secretClaimedBy === undefined
    ? undefined
    : stall(
        ctx,
        REASONS.SecretClaimed,
        `Secret ${secretNameOf(ctx)} is already claimed by ApiKey ${ctx.s.secretClaimedBy}; name another Secret in spec.secret.name.`,
      );

const secretNotOwned: ValidCheck = (ctx) =>
  ctx.s.secret.state === "foreign"
    ? stall(
        ctx,
        REASONS.SecretNotOwned,
        `Secret ${secretNameOf(ctx)} exists and is not owned by this ApiKey (${ctx.s.secret.owner}); it is never taken over. Delete it or name another Secret in spec.secret.name.`,
      )
    : undefined;

const environmentChanged: ValidCheck = (ctx) =>
  ctx.status.applied !== undefined && ctx.status.applied.environment !== ctx.spec.environment
    ? stall(
        ctx,
        REASONS.InvalidSpec,
        `environment is immutable: this ApiKey's key is a ${ctx.status.applied.environment} key; create a new ApiKey for the other environment.`,
      )
    : undefined;

const keyMissing: ValidCheck = (ctx) =>
  ctx.status.keyId === undefined ? intent(ctx, REASONS.Created, { operation: "Create" }) : undefined;

const compromised: ValidCheck = (ctx) => {
  const value = ctx.s.object.annotations[ANNOTATIONS.compromised];
  if (!requestIsNew(value, ctx.status.handledCompromised, ctx.status.createdAt)) return undefined;
  const revokeKeyIds = [ctx.status.keyId, ...(ctx.status.previousKeys ?? []).map((p) => p.keyId)].filter(
    (id): id is string => id !== undefined,
  );
  return intent(ctx, REASONS.Compromised, {
    operation: "Create",
    revokeKeyIds,
    keepPrevious: false,
    handledCompromised: value,
  });
};

const keyGone: ValidCheck = (ctx) => {
  const fact = ctx.s.currentKey;
  if (fact === undefined || fact.status === "active" || fact.status === "expiring") return undefined;
  const why =
    fact.status === "revoked"
      ? REASONS.KeyRevokedOutOfBand
      : fact.status === "expired"
        ? REASONS.KeyExpired
        : REASONS.KeyMissing;
  return intent(ctx, why, { operation: "Create", keepPrevious: true });
};

const strays: ValidCheck = ({ s }) =>
  s.strays.length > 0
    ? { action: "revokeKeys", why: REASONS.StrayKeys, keyIds: [...s.strays], reason: "unused" }
    : undefined;

const secretLost: ValidCheck = (ctx) => {
  const secret = ctx.s.secret;
  const lost = secret.state === "missing" || (secret.state === "owned" && !secret.currentIntact);
  return lost ? intent(ctx, REASONS.SecretLost, { operation: "Roll" }) : undefined;
};

const rotateRequested: ValidCheck = (ctx) => {
  const value = ctx.s.object.annotations[ANNOTATIONS.rotate];
  if (!requestIsNew(value, ctx.status.handledRotate, ctx.status.createdAt)) return undefined;
  return intent(ctx, REASONS.RotateRequested, { operation: "Roll", handledRotate: value });
};

const specChanged: ValidCheck = (ctx) => {
  const applied = ctx.status.applied;
  if (applied === undefined) return undefined;
  const before: KeySpec = { ...ctx.spec, ...appliedAsSpec(applied) };
  return mintsNewKey(before, ctx.spec).rolling.length > 0
    ? intent(ctx, REASONS.SpecChanged, { operation: "Roll" })
    : undefined;
};

function appliedAsSpec(applied: NonNullable<ApiKeyStatus["applied"]>): Partial<KeySpec> {
  return {
    displayName: applied.displayName,
    environment: applied.environment,
    scopes: applied.scopes,
    expiresAfter: applied.expiresAfter,
    expiresAt: applied.expiresAt,
    owner: applied.owner,
    purpose: applied.purpose,
  };
}

const rotationIsDue: ValidCheck = (ctx) => {
  const { status } = ctx;
  if (status.createdAt === undefined) return undefined;
  const key = {
    createdAt: Date.parse(status.createdAt),
    expiresAt: status.expiresAt ? Date.parse(status.expiresAt) : null,
  };
  const { due, schedule } = rotationDue(ctx.spec.rotation, key, ctx.now, renewalOptionsFor(ctx.spec));
  if (!due) return undefined;
  const why =
    schedule.reason === "RenewBeforeExpiry"
      ? REASONS.RenewBeforeExpiry
      : schedule.reason === "Expired"
        ? REASONS.Expired
        : REASONS.RotationPeriod;
  return intent(ctx, why, { operation: "Roll" });
};

const cosmeticChange: ValidCheck = ({ spec, status }) => {
  const applied = status.applied;
  if (applied === undefined) return undefined;
  const changed =
    applied.displayName !== spec.displayName ||
    applied.owner !== spec.owner ||
    applied.purpose !== spec.purpose;
  return changed
    ? {
        action: "patchKey",
        why: REASONS.CosmeticChange,
        name: spec.displayName,
        owner: spec.owner,
        purpose: spec.purpose,
      }
    : undefined;
};

// A second rotation inside a grace period: the older previous key leaves the Secret, so it is revoked at once.
const supersededPrevious: ValidCheck = ({ status }) => {
  const older = (status.previousKeys ?? []).slice(1).map((p) => p.keyId);
  return older.length > 0
    ? { action: "revokeKeys", why: REASONS.SupersededPrevious, keyIds: older, reason: "replaced" }
    : undefined;
};

const secretDrift: ValidCheck = ({ s }) =>
  s.secret.state === "owned" && !s.secret.shapeOk
    ? { action: "repairSecret", why: REASONS.SecretDrift }
    : undefined;

const graceOver: ValidCheck = ({ status, now }) => {
  const over = (status.previousKeys ?? [])
    .filter((p) => Date.parse(p.revokeAfter) <= now)
    .map((p) => p.keyId);
  return over.length > 0 ? { action: "dropPrevious", why: REASONS.GracePeriodOver, keyIds: over } : undefined;
};

const restartTargets: ValidCheck = ({ spec, status }) => {
  const targets = spec.restartTargets ?? [];
  if (targets.length === 0 || status.lastRotatedAt === undefined || status.restartedFor === status.keyId)
    return undefined;
  return {
    action: "restartTargets",
    why: REASONS.RestartTargets,
    targets: targets.map((t) => ({ kind: t.kind, name: t.name })),
  };
};

/** When the previous key counts as quiet, or undefined when that cannot be known yet. */
function quietAt(ctx: ValidContext): number | undefined {
  const quiet = ctx.spec.rotation?.quietPeriod;
  const usage = ctx.s.previousUsage;
  if (quiet === undefined || usage === undefined) return undefined;
  const since = Math.max(
    usage.lastUsedAt ?? 0,
    ctx.status.lastRotatedAt ? Date.parse(ctx.status.lastRotatedAt) : 0,
  );
  return since + parseDuration(quiet) + usage.flushIntervalMs;
}

const previousKeyQuiet: ValidCheck = (ctx) => {
  const previous = ctx.status.previousKeys?.[0];
  if (previous === undefined || ctx.s.targets === undefined) return undefined;
  if (!ctx.s.targets.every((t) => !t.exists || (t.rolledOut && t.restartedFor === ctx.status.keyId)))
    return undefined;
  const at = quietAt(ctx);
  return at !== undefined && at <= ctx.now
    ? { action: "revokeKeys", why: REASONS.PreviousKeyQuiet, keyIds: [previous.keyId], reason: "replaced" }
    : undefined;
};

const statusStale: ValidCheck = (ctx) => {
  const { s, status, spec, now } = ctx;
  const next: ApiKeyStatus = {
    ...status,
    secretName: secretNameOf(ctx),
    observedGeneration: s.object.generation,
  };
  next.nextRotationAt = nextRotationAt(spec, status);
  next.conditions = buildConditions(status.conditions, {
    summary: "ready",
    reason: REASONS.Ready,
    message: readyMessage(next),
    generation: s.object.generation,
    now,
  });
  const same =
    status.observedGeneration === next.observedGeneration &&
    status.secretName === next.secretName &&
    (status.nextRotationAt ?? null) === next.nextRotationAt &&
    sameConditions(status.conditions, next.conditions);
  if (same) return undefined;
  // Hygiene findings are reported once per generation, as Warning events.
  const warnings = status.observedGeneration === s.object.generation ? [] : hygieneWarnings(spec, now);
  return { action: "writeStatus", why: REASONS.StatusStale, status: next, warnings };
};

function secretNameOf(ctx: Context): string {
  const secret = (ctx.spec ?? (ctx.s.spec as KeySpec | undefined))?.secret;
  return secret?.name ?? ctx.s.object.name;
}

const GENERAL: readonly Check[] = [deleting, finalizerMissing, pendingOperation];
const ON_VALID_SPEC: readonly ValidCheck[] = [
  policyDenied,
  secretClaimed,
  secretNotOwned,
  environmentChanged,
  keyMissing,
  compromised,
  keyGone,
  strays,
  secretLost,
  rotateRequested,
  specChanged,
  rotationIsDue,
  cosmeticChange,
  supersededPrevious,
  secretDrift,
  graceOver,
  restartTargets,
  previousKeyQuiet,
  statusStale,
];

/** Core's hygiene findings as Warning event messages (not blocks). */
export function hygieneWarnings(spec: KeySpec, now: number): string[] {
  return evaluateHygiene(spec, { now: new Date(now) }).map(
    (f) => `${f.path}: ${f.message} (${f.rule}, ${f.severity})`,
  );
}

/** The one decision for this snapshot. */
export function plan(s: Snapshot): Decision {
  const base: Context = { s, spec: undefined, status: s.status, now: s.now };
  for (const check of GENERAL) {
    const decision = check(base);
    if (decision !== undefined) return decision;
  }
  const validation = validateKeySpec(s.spec, { target: "kubernetes", now: new Date(s.now) });
  if (!validation.ok) return stall(base, REASONS.InvalidSpec, formatSpecErrors(validation.errors));
  const ctx: ValidContext = { ...base, spec: validation.spec };
  for (const check of ON_VALID_SPEC) {
    const decision = check(ctx);
    if (decision !== undefined) return decision;
  }
  return { action: "wait", why: REASONS.Ready, requeueAfterMs: nextWakeUp(ctx) };
}

/** The next instant something is scheduled: a rotation, the end of a grace period, a quiet-period check. */
function nextWakeUp(ctx: ValidContext): number | null {
  const times: number[] = [];
  const next = nextRotationAt(ctx.spec, ctx.status);
  if (next !== null) times.push(Date.parse(next));
  const previous = ctx.status.previousKeys?.[0];
  if (previous !== undefined) {
    times.push(Date.parse(previous.revokeAfter));
    const quiet = ctx.spec.rotation?.quietPeriod;
    if (quiet !== undefined) {
      const at = quietAt(ctx);
      const poll = Math.min(60_000, Math.max(1_000, parseDuration(quiet) / 4));
      times.push(at !== undefined && at > ctx.now ? at : ctx.now + poll);
    }
  }
  if (times.length === 0) return null;
  return Math.max(0, Math.min(...times) - ctx.now);
}

/** Which costly facts the gatherer should read for this ApiKey. */
export function factsNeeded(spec: unknown, status: ApiKeyStatus, now: number): FactsNeeded {
  const rotation = typeof spec === "object" && spec !== null ? (spec as KeySpec).rotation : undefined;
  const previous = status.previousKeys?.[0];
  const inGrace = previous !== undefined && Date.parse(previous.revokeAfter) > now && !status.pending;
  const quiet = inGrace && typeof rotation?.quietPeriod === "string";
  return { targets: quiet, previousUsage: quiet };
}
