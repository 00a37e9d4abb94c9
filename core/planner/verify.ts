// The seed's "Verify" step: before anything older is retired — a previous key revoked early, revoked
// because a newer rotation superseded it, or dropped from the Secret at the end of its grace — the current
// key must introspect active, by the value the controller wrote to the Secret. One check per key (per
// controller process); a key that fails is checked again with backoff, and until it passes nothing older
// is retired and the ApiKey says why. Pure: the shell introspects and hands the result back.
import { buildConditions, conditionOf } from "./conditions.ts";
import { REASONS } from "./reasons.ts";
import type { Decision, KeyRecord, KeyVerification } from "./types.ts";
import { secretNameOf, type ValidCheck, type ValidContext } from "./upkeep-checks.ts";

export const VERIFY_BACKOFF = { firstMs: 5_000, maxMs: 300_000 } as const;

/** When a key that failed its check is checked again: 5 s, 10 s, 20 s … at most 5 minutes after the last. */
export function verifyRetryAt(v: KeyVerification): number {
  const step = VERIFY_BACKOFF.firstMs * 2 ** Math.max(0, Math.min(v.failures - 1, 16));
  return v.at + Math.min(VERIFY_BACKOFF.maxMs, step);
}

/** A check that retires an older key, gated by the current key's verification. */
export function verifiedFirst(check: ValidCheck): ValidCheck {
  return (ctx) => {
    const retire = check(ctx);
    return retire === undefined ? undefined : gate(ctx, retire);
  };
}

function gate(ctx: ValidContext, retire: Decision): Decision {
  const current = ctx.current as KeyRecord;
  const v = ctx.s.verifications?.find((c) => c.keyId === current.id);
  if (v?.active) return retire;
  if (v === undefined || ctx.now >= verifyRetryAt(v))
    return { action: "verifyKey", why: retire.why, keyId: current.id };
  return notActive(ctx, current, verifyRetryAt(v));
}

/** Says once (a status write and a Warning) that the key failed its check, then waits for the retry. */
function notActive(ctx: ValidContext, current: KeyRecord, retryAt: number): Decision {
  const kept = ctx.previous.map((p) => p.keyId);
  const message =
    `Key ${current.id} in Secret ${secretNameOf(ctx)} does not introspect active: nothing older is retired` +
    `${kept.length > 0 ? ` (previous key ${kept.join(", ")} stays)` : ""} until it does; checked again with backoff.`;
  const ready = conditionOf(ctx.status.conditions, "Ready");
  const generation = ctx.s.object.generation;
  const already =
    ready?.reason === REASONS.NewKeyNotActive &&
    ready.message === message &&
    ctx.status.observedGeneration === generation;
  if (already) return { action: "wait", why: REASONS.NewKeyNotActive, requeueAfterMs: retryAt - ctx.now };
  const conditions = buildConditions(ctx.status.conditions, {
    summary: "reconciling",
    reason: REASONS.NewKeyNotActive,
    message,
    generation,
    now: ctx.now,
    keyInPlace: false,
  });
  return {
    action: "writeStatus",
    why: REASONS.NewKeyNotActive,
    status: { ...ctx.status, observedGeneration: generation, conditions },
    notices: [{ type: "Warning", reason: REASONS.NewKeyNotActive, message }],
  };
}
