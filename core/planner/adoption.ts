// Has a consumer picked the new key up? For keys with a quietPeriod only: their usage is read while a
// previous key is kept (promise 5), and the answer shows in Ready's reason — NewKeyNotAdopted once the
// quiet period since the rotation has passed without the new key in use (the previous key is then not
// revoked early), and, when the grace period ends that way, until the next rotation: outside a grace
// period the controller reads no usage, so it cannot see the key picked up later. Pure.
import { parseDuration } from "../domain/durations.ts";
import { buildConditions, conditionOf } from "./conditions.ts";
import { REASONS, type Reason } from "./reasons.ts";
import { readyMessage } from "./status.ts";
import type { ApiKeyStatus } from "./types.ts";
import type { ValidContext } from "./upkeep-checks.ts";

/**
 * Has a consumer used the current key since the rotation? Undefined when not known (usage is read only
 * for keys with a quietPeriod while a previous key is kept).
 */
export function newKeyAdopted(ctx: ValidContext): boolean | undefined {
  const usage = ctx.s.currentUsage;
  const rotatedAt = ctx.status.lastRotatedAt;
  if (usage === undefined || rotatedAt === undefined) return undefined;
  return usage.lastUsedAt !== null && usage.lastUsedAt >= Date.parse(rotatedAt);
}

export interface Readiness {
  reason: Reason;
  message: string;
}

/** Ready's reason and message for `next`, a status with the current key in place. */
export function readiness(ctx: ValidContext, next: ApiKeyStatus): Readiness {
  const ready: Readiness = { reason: REASONS.Ready, message: readyMessage(next) };
  const quiet = ctx.spec.rotation?.quietPeriod;
  const rotatedAt = next.lastRotatedAt;
  if (quiet === undefined || rotatedAt === undefined || ctx.current === undefined) return ready;
  const adopted = newKeyAdopted(ctx);
  if (adopted === true) return ready;
  const kept = next.previousKeys?.[0];
  if (kept !== undefined) {
    const usage = ctx.s.currentUsage;
    const due = Date.parse(rotatedAt) + parseDuration(quiet) + (usage?.flushIntervalMs ?? 0);
    if (adopted !== false || ctx.now < due) return ready;
    return {
      reason: REASONS.NewKeyNotAdopted,
      message:
        `${ready.message} No consumer has used it since the rotation at ${rotatedAt}: previous key ` +
        `${kept.keyId} is kept until its grace period ends at ${kept.revokeAfter}, not revoked early.`,
    };
  }
  // No previous key is kept: this write drops it at the end of its grace with the new key unused, or it
  // left earlier and Ready said so then.
  const leavingUnadopted = adopted === false && ctx.previous.length > 0;
  const saidSo =
    ctx.previous.length === 0 &&
    conditionOf(ctx.status.conditions, "Ready")?.reason === REASONS.NewKeyNotAdopted;
  if (!leavingUnadopted && !saidSo) return ready;
  return {
    reason: REASONS.NewKeyNotAdopted,
    message:
      `${ready.message} No consumer used it within the grace period after the rotation at ${rotatedAt}, ` +
      "and the previous key is no longer in the Secret: make consumers read the Secret again.",
  };
}

/** `next` with Ready (and the other conditions) as readiness says. */
export function withReadiness(ctx: ValidContext, next: ApiKeyStatus): ApiKeyStatus {
  const { reason, message } = readiness(ctx, next);
  const conditions = buildConditions(ctx.status.conditions, {
    summary: "ready",
    reason,
    message,
    generation: ctx.s.object.generation,
    now: ctx.now,
  });
  return { ...next, conditions };
}
