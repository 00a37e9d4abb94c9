// The planner's upkeep checks: what happens once the current key is in place and needs no replacing —
// strays, cosmetic edits, previous keys leaving, the Secret's shape, restarts, and the status itself.
import { parseDuration } from "../domain/durations.ts";
import { evaluateHygiene } from "../hygiene/evaluate.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import { newKeyAdopted, readiness, withReadiness } from "./adoption.ts";
import { buildConditions, sameConditions } from "./conditions.ts";
import { cosmeticDrift, keyMetadataFor } from "./own-keys.ts";
import { REASONS } from "./reasons.ts";
import { nextRotationAt } from "./status.ts";
import type { TrustedView } from "./trust.ts";
import type { ApiKeyStatus, Decision, KeyRecord, Notice, Snapshot } from "./types.ts";

export type Context = TrustedView & { s: Snapshot; now: number };
export type ValidContext = Context & { spec: KeySpec };
export type ValidCheck = (ctx: ValidContext) => Decision | undefined;

// Active keys of this ApiKey that are neither current nor previous: minted for a request that changed
// before it completed, or left by a crash past the replay window.
export const strays: ValidCheck = (ctx) => {
  const placed = new Set([ctx.current?.id, ...ctx.previous.map((p) => p.keyId)]);
  const ids = ctx.own.filter((k) => k.status === "active" && !placed.has(k.id)).map((k) => k.id);
  if (ids.length === 0) return undefined;
  const message = `Revoked stray key(s) ${ids.join(", ")} minted for this ApiKey but not in use.`;
  return {
    action: "revokeKeys",
    why: REASONS.StrayKeys,
    keyIds: ids,
    reason: "unused",
    status: ctx.status,
    notices: [{ type: "Warning", reason: REASONS.StrayKeys, message }],
  };
};

export const cosmeticChange: ValidCheck = (ctx) => {
  const current = ctx.current as KeyRecord;
  const metadata = keyMetadataFor(ctx.s, ctx.spec);
  if (!cosmeticDrift(current, metadata, ctx.spec.displayName)) return undefined;
  return {
    action: "patchKey",
    why: REASONS.CosmeticChange,
    keyId: current.id,
    name: ctx.spec.displayName,
    metadata,
  };
};

function withoutPrevious(ctx: Context, keyIds: string[]): ApiKeyStatus {
  return { ...ctx.status, previousKeys: ctx.previous.filter((p) => !keyIds.includes(p.keyId)) };
}

// A second rotation inside a grace period: the older previous key leaves the Secret, so it is revoked at once.
export const supersededPrevious: ValidCheck = (ctx) => {
  const older = ctx.previous.slice(1).map((p) => p.keyId);
  if (older.length === 0) return undefined;
  return {
    action: "revokeKeys",
    why: REASONS.SupersededPrevious,
    keyIds: older,
    reason: "replaced",
    status: withReadiness(ctx, withoutPrevious(ctx, older)),
    notices: [],
  };
};

export const secretDrift: ValidCheck = (ctx) =>
  ctx.s.secret.state === "owned" && !ctx.s.secret.shapeOk
    ? {
        action: "repairSecret",
        why: REASONS.SecretDrift,
        status: ctx.status,
        notices: [
          { type: "Normal", reason: REASONS.SecretDrift, message: `Repaired Secret ${secretNameOf(ctx)}.` },
        ],
      }
    : undefined;

export const graceOver: ValidCheck = (ctx) => {
  const over = ctx.previous.filter((p) => Date.parse(p.revokeAfter) <= ctx.now).map((p) => p.keyId);
  if (over.length === 0) return undefined;
  const notices: Notice[] = [];
  if (newKeyAdopted(ctx) === false)
    notices.push({
      type: "Warning",
      reason: REASONS.NewKeyNotAdopted,
      message:
        `The grace period of previous key ${over.join(", ")} is over, but no consumer has used the new key ` +
        `${(ctx.current as KeyRecord).id} since the rotation at ${ctx.status.lastRotatedAt}: check that they read the Secret again.`,
    });
  return {
    action: "dropPrevious",
    why: REASONS.GracePeriodOver,
    status: withReadiness(ctx, withoutPrevious(ctx, over)),
    notices,
  };
};

export const restartTargets: ValidCheck = (ctx) => {
  const targets = ctx.spec.restartTargets ?? [];
  const keyId = (ctx.current as KeyRecord).id;
  if (targets.length === 0 || ctx.status.lastRotatedAt === undefined || ctx.status.restartedFor === keyId)
    return undefined;
  return {
    action: "restartTargets",
    why: REASONS.RestartTargets,
    keyId,
    targets: targets.map((t) => ({ kind: t.kind, name: t.name })),
    status: { ...ctx.status, restartedFor: keyId },
  };
};

/** When the previous key counts as quiet, or undefined when that cannot be known yet. */
export function quietAt(ctx: ValidContext): number | undefined {
  const quiet = ctx.spec.rotation?.quietPeriod;
  const usage = ctx.s.previousUsage;
  if (quiet === undefined || usage === undefined) return undefined;
  const since = Math.max(
    usage.lastUsedAt ?? 0,
    ctx.status.lastRotatedAt ? Date.parse(ctx.status.lastRotatedAt) : 0,
  );
  return since + parseDuration(quiet) + usage.flushIntervalMs;
}

export const previousKeyQuiet: ValidCheck = (ctx) => {
  const previous = ctx.previous[0];
  const keyId = (ctx.current as KeyRecord).id;
  if (previous === undefined || ctx.s.targets === undefined) return undefined;
  // Quiet is not enough: the old key may be quiet because nothing runs at all. Only once the new key is seen
  // in use is the old one revoked early; otherwise it lasts its grace period.
  if (newKeyAdopted(ctx) !== true) return undefined;
  if (!ctx.s.targets.every((t) => !t.exists || (t.rolledOut && t.restartedFor === keyId))) return undefined;
  const at = quietAt(ctx);
  if (at === undefined || at > ctx.now) return undefined;
  const message = `Revoked previous key ${previous.keyId} early: unused for the quiet period, the new key in use, and every restart target rolled out.`;
  return {
    action: "revokeKeys",
    why: REASONS.PreviousKeyQuiet,
    keyIds: [previous.keyId],
    reason: "replaced",
    status: withReadiness(ctx, withoutPrevious(ctx, [previous.keyId])),
    notices: [{ type: "Normal", reason: REASONS.PreviousKeyQuiet, message }],
  };
};

export const statusStale: ValidCheck = (ctx) => {
  const { s, status, spec, now } = ctx;
  const next: ApiKeyStatus = {
    ...status,
    secretName: secretNameOf(ctx),
    observedGeneration: s.object.generation,
  };
  next.nextRotationAt = nextRotationAt(spec, ctx.current);
  next.conditions = buildConditions(status.conditions, {
    summary: "ready",
    ...readiness(ctx, next),
    generation: s.object.generation,
    now,
  });
  const before = s.status;
  const same =
    before.observedGeneration === next.observedGeneration &&
    before.secretName === next.secretName &&
    before.keyId === next.keyId &&
    before.redacted === next.redacted &&
    before.createdAt === next.createdAt &&
    (before.expiresAt ?? null) === (next.expiresAt ?? null) &&
    (before.nextRotationAt ?? null) === next.nextRotationAt &&
    before.applied === undefined &&
    sameConditions(before.conditions, next.conditions);
  if (same) return undefined;
  // Hygiene findings are reported once per generation, as Warning events.
  const notices = before.observedGeneration === s.object.generation ? [] : hygieneNotices(spec, now);
  return { action: "writeStatus", why: REASONS.StatusStale, status: next, notices };
};

export function secretNameOf(ctx: Context): string {
  const raw = ctx.s.spec as { secret?: { name?: unknown } } | undefined;
  const name = raw?.secret?.name;
  return typeof name === "string" ? name : ctx.s.object.name;
}

/** Core's hygiene findings as Warning events (not blocks). */
export function hygieneNotices(spec: KeySpec, now: number): Notice[] {
  return evaluateHygiene(spec, { now: new Date(now) }).map((f) => ({
    type: "Warning",
    reason: REASONS.KeyHygiene,
    message: `${f.path}: ${f.message} (${f.rule}, ${f.severity})`,
  }));
}
