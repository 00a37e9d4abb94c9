// The planner: a chain of named checks over one snapshot; the first that fires decides (cert-manager's
// NewTriggerPolicyChain). Pure: no I/O, no logging, time only through snapshot.now. Every intent comes from
// the validated spec, the policy verdict and the keys the keys service proves are this ApiKey's.
import { parseDuration } from "../domain/durations.ts";
import { evaluatePolicy } from "../policy/evaluate.ts";
import { renewalOptionsFor, rotationDue } from "../rotation/rotation-due.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import { formatSpecErrors, validateKeySpec } from "../spec/validate.ts";
import { pendingRequestAt, requestIsNew } from "./annotations.ts";
import { conditionOf } from "./conditions.ts";
import { createPlan, type MintContext, rollPlan } from "./mint.ts";
import { expiryMatches, sameScopes } from "./own-keys.ts";
import { REASONS, type Reason } from "./reasons.ts";
import { nextRotationAt } from "./status.ts";
import { trustedView } from "./trust.ts";
import {
  type Context,
  cosmeticChange,
  graceOver,
  hygieneNotices,
  previousKeyQuiet,
  quietAt,
  restartTargets,
  secretDrift,
  secretNameOf,
  statusStale,
  strays,
  supersededPrevious,
  type ValidCheck,
  type ValidContext,
} from "./upkeep-checks.ts";
import { verifiedFirst } from "./verify.ts";

export { hygieneNotices } from "./upkeep-checks.ts";

import {
  ANNOTATIONS,
  type ApiKeyStatus,
  type Decision,
  type FactsNeeded,
  type KeyRecord,
  type MintPlan,
  type Snapshot,
} from "./types.ts";

type Check = (ctx: Context) => Decision | undefined;

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
    ctx.notices.length === 0 &&
    stalled?.status === "True" &&
    stalled.reason === why &&
    stalled.message === message &&
    ctx.status.observedGeneration === ctx.s.object.generation;
  if (already) return { action: "wait", why, requeueAfterMs: null };
  return {
    action: "stall",
    why,
    message,
    notices: [...ctx.notices, { type: "Warning", reason: why, message }],
  };
}

const mintContext = (ctx: ValidContext): MintContext => ({
  s: ctx.s,
  spec: ctx.spec,
  own: ctx.own,
  current: ctx.current,
  previous: ctx.previous,
  now: ctx.now,
});

function mint(ctx: ValidContext, why: Reason, plan: MintPlan): Decision {
  const firstForGeneration = ctx.status.observedGeneration !== ctx.s.object.generation;
  const notices = firstForGeneration ? hygieneNotices(ctx.spec, ctx.now) : [];
  return { action: "mint", why, plan, notices };
}

/** The key can be rolled: active, or already rolled by us before a crash (the roll is replayed). */
function rollable(ctx: Context, key: KeyRecord): boolean {
  return key.status === "active" || ctx.own.some((k) => k.rolledFrom === key.id && k.status === "active");
}

function replace(ctx: ValidContext, why: Reason, handledRotate?: string): Decision {
  const current = ctx.current as KeyRecord;
  if (rollable(ctx, current)) return mint(ctx, why, rollPlan(mintContext(ctx), current, handledRotate));
  const plan = createPlan(mintContext(ctx), { revokeFirst: [], keepPrevious: true });
  if (handledRotate !== undefined) plan.handledRotate = handledRotate;
  return mint(ctx, why, plan);
}

// ── checks that need no valid spec ────────────────────────────────────────────────────────────────────────

// Revocation on delete comes from the informer's delete event and the sweep; an ApiKey that still carries
// the finalizer of an earlier release is finalized here (its keys revoked, the finalizer removed).
const deleting: Check = (ctx) => {
  if (!ctx.s.object.deleting) return undefined;
  if (!ctx.s.object.hasFinalizer) return { action: "wait", why: REASONS.Deleting, requeueAfterMs: null };
  const revoke = deletionPolicyOf(ctx.s.spec) === "Revoke";
  const live = ctx.own.filter((k) => k.status === "active" || k.status === "expiring").map((k) => k.id);
  return { action: "finalize", why: REASONS.Deleting, revokeKeyIds: revoke ? live : [] };
};

// Claims in status that the keys service does not back are removed first, and a person is told.
const statusNotTrusted: Check = (ctx) =>
  ctx.notices.length > 0
    ? { action: "writeStatus", why: REASONS.StatusNotTrusted, status: ctx.status, notices: ctx.notices }
    : undefined;

// ── checks on a valid spec, in order of precedence ────────────────────────────────────────────────────────

const policyDenied: ValidCheck = (ctx) => {
  const verdict = evaluatePolicy(ctx.spec, ctx.s.policy, ctx.now);
  return verdict.allowed ? undefined : stall(ctx, REASONS.PolicyDenied, verdict.message);
};

const keysApiRefused: ValidCheck = (ctx) =>
  ctx.s.refusal === undefined ? undefined : stall(ctx, REASONS.KeysApiRefused, ctx.s.refusal);

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
  ctx.current !== undefined && ctx.current.environment !== ctx.spec.environment
    ? stall(
        ctx,
        REASONS.InvalidSpec,
        `environment is immutable: this ApiKey's key is a ${ctx.current.environment} key; create a new ApiKey for the other environment.`,
      )
    : undefined;

const keyMissing: ValidCheck = (ctx) => {
  if (ctx.current !== undefined) return undefined;
  const why = ctx.own.length === 0 ? REASONS.Created : REASONS.KeyMissing;
  return mint(ctx, why, createPlan(mintContext(ctx), { revokeFirst: [], keepPrevious: true }));
};

const compromised: ValidCheck = (ctx) => {
  const value = ctx.s.object.annotations[ANNOTATIONS.compromised];
  const current = ctx.current as KeyRecord;
  const created = new Date(current.createdAt).toISOString();
  if (!requestIsNew(value, ctx.status.handledCompromised, created, ctx.now)) return undefined;
  const revokeFirst = [current.id, ...ctx.previous.map((p) => p.keyId)];
  const plan = createPlan(mintContext(ctx), { revokeFirst, keepPrevious: false, handledCompromised: value });
  return mint(ctx, REASONS.Compromised, plan);
};

const keyGone: ValidCheck = (ctx) => {
  const current = ctx.current as KeyRecord;
  const expired = current.expiresAt !== null && current.expiresAt <= ctx.now;
  if (current.status !== "revoked" && current.status !== "expired" && !expired) return undefined;
  const why = current.status === "revoked" ? REASONS.KeyRevokedOutOfBand : REASONS.KeyExpired;
  return mint(ctx, why, createPlan(mintContext(ctx), { revokeFirst: [], keepPrevious: true }));
};

const secretLost: ValidCheck = (ctx) => {
  const secret = ctx.s.secret;
  const holds = secret.state === "owned" && secret.currentIntact && secret.keyId === ctx.current?.id;
  return holds ? undefined : replace(ctx, REASONS.SecretLost);
};

const rotateRequested: ValidCheck = (ctx) => {
  const value = ctx.s.object.annotations[ANNOTATIONS.rotate];
  const created = new Date((ctx.current as KeyRecord).createdAt).toISOString();
  if (!requestIsNew(value, ctx.status.handledRotate, created, ctx.now)) return undefined;
  return replace(ctx, REASONS.RotateRequested, value);
};

const specChanged: ValidCheck = (ctx) => {
  const current = ctx.current as KeyRecord;
  const same = sameScopes(current.scopes, ctx.spec.scopes) && expiryMatches(current, ctx.spec);
  return same ? undefined : replace(ctx, REASONS.SpecChanged);
};

const rotationIsDue: ValidCheck = (ctx) => {
  const { due, schedule } = rotationDue(
    ctx.spec.rotation,
    ctx.current as KeyRecord,
    ctx.now,
    renewalOptionsFor(ctx.spec),
  );
  if (!due) return undefined;
  const why =
    schedule.reason === "RenewBeforeExpiry"
      ? REASONS.RenewBeforeExpiry
      : schedule.reason === "Expired"
        ? REASONS.Expired
        : REASONS.RotationPeriod;
  return replace(ctx, why);
};

const GENERAL: readonly Check[] = [deleting, statusNotTrusted];
/** Checks before a current key is known to exist. */
const GATES: readonly ValidCheck[] = [
  policyDenied,
  keysApiRefused,
  secretClaimed,
  secretNotOwned,
  environmentChanged,
  keyMissing,
];
/** Checks with a current key (ctx.current is set). */
const WITH_KEY: readonly ValidCheck[] = [
  compromised,
  keyGone,
  secretLost,
  rotateRequested,
  specChanged,
  rotationIsDue,
  strays,
  cosmeticChange,
  // Nothing older is retired before the current key is confirmed active (verify.ts).
  verifiedFirst(supersededPrevious),
  secretDrift,
  verifiedFirst(graceOver),
  restartTargets,
  verifiedFirst(previousKeyQuiet),
  statusStale,
];

/** The one decision for this snapshot. */
export function plan(s: Snapshot): Decision {
  if (s.keys === undefined) return { action: "wait", why: REASONS.WaitingForKeyFacts, requeueAfterMs: 1_000 };
  const base: Context = { ...trustedView(s, s.keys), s, now: s.now };
  for (const check of GENERAL) {
    const decision = check(base);
    if (decision !== undefined) return decision;
  }
  const validation = validateKeySpec(s.spec, { target: "kubernetes", now: new Date(s.now) });
  if (!validation.ok) return stall(base, REASONS.InvalidSpec, formatSpecErrors(validation.errors));
  const ctx: ValidContext = { ...base, spec: validation.spec };
  for (const check of [...GATES, ...WITH_KEY]) {
    const decision = check(ctx);
    if (decision !== undefined) return decision;
  }
  return { action: "wait", why: REASONS.Ready, requeueAfterMs: nextWakeUp(ctx) };
}

/** The next instant something is scheduled: a rotation, the end of a grace period, a quiet-period check. */
function nextWakeUp(ctx: ValidContext): number | null {
  const times: number[] = [];
  const next = nextRotationAt(ctx.spec, ctx.current);
  if (next !== null) times.push(Date.parse(next));
  // A rotate or compromised request dated in the future acts at its instant.
  const created = ctx.current === undefined ? undefined : new Date(ctx.current.createdAt).toISOString();
  const annotations = ctx.s.object.annotations;
  for (const [name, handled] of [
    [ANNOTATIONS.rotate, ctx.status.handledRotate],
    [ANNOTATIONS.compromised, ctx.status.handledCompromised],
  ] as const) {
    const at = pendingRequestAt(annotations[name], handled, created);
    if (at !== undefined && at > ctx.now) times.push(at);
  }
  const previous = ctx.previous[0];
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
  const inGrace = previous !== undefined && Date.parse(previous.revokeAfter) > now;
  const hasQuiet = typeof rotation?.quietPeriod === "string";
  const quiet = inGrace && hasQuiet;
  // Until the previous key leaves (also at the end of its grace): was the new key picked up?
  return { targets: quiet, previousUsage: quiet, currentUsage: previous !== undefined && hasQuiet };
}
