// What a mint sends, fixed by the planner so that a retry after a crash sends the same request. The
// Idempotency-Key is derived from the ApiKey's uid and a revision counter, never from status:
//   - a create's revision is how many keys the keys service holds that this ApiKey created (not rolled);
//   - a roll's revision is the key it rolls (a key is rolled once).
// Both are counted from keys whose metadata names this ApiKey, which nobody but the keys service's admin can
// write. A key minted before a crash but not yet in the Secret is found again the same way: its request is
// rebuilt (its expiry read back from the key) and replayed, so the keys service answers with that same key.
import { createHash } from "node:crypto";
import { expiryFor } from "../rotation/deadlines.ts";
import { gracePeriodMs } from "../rotation/rotation-due.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import { expiryMatches, keyMetadataFor } from "./own-keys.ts";
import type { KeyRecord, MintPlan, MintRequest, PreviousKey, Snapshot } from "./types.ts";

/** Replays are honoured by the keys service for 24 h by default; past that a replay would mint afresh. */
const REPLAY_WINDOW_MS = 23 * 3_600_000;

export interface MintContext {
  s: Snapshot;
  spec: KeySpec;
  /** This ApiKey's keys (metadata names it). */
  own: KeyRecord[];
  current: KeyRecord | undefined;
  /** Previous keys in status that are this ApiKey's. */
  previous: PreviousKey[];
  now: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function digest(body: object): string {
  return createHash("sha256").update(JSON.stringify(body)).digest("base64url").slice(0, 16);
}

/** A key minted for this ApiKey that is neither current nor previous: minted before a crash, or a stray. */
function unplaced(ctx: MintContext, key: KeyRecord): boolean {
  return (
    key.status === "active" &&
    key.id !== ctx.current?.id &&
    !ctx.previous.some((p) => p.keyId === key.id) &&
    (ctx.current === undefined || key.createdAt >= ctx.current.createdAt)
  );
}

/**
 * The expiry to send: the candidate's own when it is what the spec asks for (a replay), or the unanswered
 * request's (its retry), else a fresh one.
 */
function expiryToSend(
  ctx: MintContext,
  candidate: KeyRecord | undefined,
  unanswered: string | null | undefined,
): string | null {
  const { spec, now } = ctx;
  if (candidate === undefined && unanswered !== undefined) return unanswered;
  if (
    candidate !== undefined &&
    candidate.createdAt >= now - REPLAY_WINDOW_MS &&
    expiryMatches(candidate, spec)
  )
    return candidate.expiresAt === null ? null : iso(candidate.expiresAt);
  const at = expiryFor(spec, now);
  return at === null ? null : iso(at);
}

function sameExceptExpiry(a: object, b: object): boolean {
  return JSON.stringify({ ...a, expires_at: null }) === JSON.stringify({ ...b, expires_at: null });
}

const byAge = (a: KeyRecord, b: KeyRecord) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);

export function createRequest(ctx: MintContext): MintRequest {
  const created = ctx.own.filter((k) => k.rolledFrom === null).sort(byAge);
  const newest = created.at(-1);
  const candidate = newest !== undefined && unplaced(ctx, newest) ? newest : undefined;
  const revision = candidate === undefined ? created.length : created.length - 1;
  const prefix = `ayra-keys/${ctx.s.object.uid}/create/${revision}/`;
  const body = {
    name: ctx.spec.displayName,
    environment: ctx.spec.environment,
    scopes: [...ctx.spec.scopes],
    expires_at: null as string | null,
    metadata: keyMetadataFor(ctx.s, ctx.spec),
  };
  const u = ctx.s.unanswered;
  const retry =
    u?.operation === "Create" && u.idempotencyKey.startsWith(prefix) && sameExceptExpiry(u.body, body)
      ? u.body.expires_at
      : undefined;
  body.expires_at = expiryToSend(ctx, candidate, retry);
  return { operation: "Create", idempotencyKey: `${prefix}${digest(body)}`, body };
}

export function rollRequest(ctx: MintContext, from: KeyRecord): MintRequest {
  const candidate = ctx.own.find((k) => k.rolledFrom === from.id && unplaced(ctx, k));
  const prefix = `ayra-keys/${ctx.s.object.uid}/roll/${from.id}/`;
  const body = {
    scopes: [...ctx.spec.scopes],
    expires_at: null as string | null,
    grace_period_seconds: Math.floor(gracePeriodMs(ctx.spec.rotation) / 1000),
  };
  const u = ctx.s.unanswered;
  const retry =
    u?.operation === "Roll" && u.idempotencyKey.startsWith(prefix) && sameExceptExpiry(u.body, body)
      ? u.body.expires_at
      : undefined;
  body.expires_at = expiryToSend(ctx, candidate, retry);
  return { operation: "Roll", idempotencyKey: `${prefix}${digest(body)}`, fromKeyId: from.id, body };
}

type Extra = Pick<MintPlan, "revokeFirst" | "handledRotate" | "handledCompromised"> & {
  keepPrevious: boolean;
};

function restartTargetsFor(ctx: MintContext): { kind: string; name: string }[] {
  if (ctx.current === undefined) return [];
  return (ctx.spec.restartTargets ?? []).map((t) => ({ kind: t.kind, name: t.name }));
}

/** A new key by create: the first one, or a replacement for a key that is gone or compromised. */
export function createPlan(ctx: MintContext, extra: Extra): MintPlan {
  const keep = extra.keepPrevious ? ctx.previous.filter((p) => p.keyId !== ctx.current?.id) : [];
  const secret = ctx.s.secret;
  const first = keep[0];
  const previousSlot =
    first !== undefined &&
    secret.state === "owned" &&
    secret.previousIntact &&
    secret.previousKeyId === first.keyId
      ? { from: "previous" as const, keyId: first.keyId }
      : undefined;
  const plan: MintPlan = {
    request: createRequest(ctx),
    spec: ctx.spec,
    replaces: ctx.current,
    revokeFirst: extra.revokeFirst,
    graceMs: 0,
    keepPrevious: keep,
    previousSlot,
    restartTargets: restartTargetsFor(ctx),
  };
  if (extra.handledRotate !== undefined) plan.handledRotate = extra.handledRotate;
  if (extra.handledCompromised !== undefined) plan.handledCompromised = extra.handledCompromised;
  return plan;
}

/** A new key by roll: the current key keeps working for the grace period (and stays in the Secret). */
export function rollPlan(ctx: MintContext, from: KeyRecord, handledRotate?: string): MintPlan {
  const graceMs = gracePeriodMs(ctx.spec.rotation);
  const secret = ctx.s.secret;
  const owned = secret.state === "owned" ? secret : undefined;
  // The rolled key's value: under `key`, or already moved to `previousKey` (a crash after the Secret write).
  const slot: MintPlan["previousSlot"] =
    owned?.currentIntact && owned.keyId === from.id
      ? { from: "current", keyId: from.id }
      : owned?.previousIntact && owned.previousKeyId === from.id
        ? { from: "previous", keyId: from.id }
        : undefined;
  const plan: MintPlan = {
    request: rollRequest(ctx, from),
    spec: ctx.spec,
    replaces: from,
    revokeFirst: [],
    graceMs,
    keepPrevious: ctx.previous.filter((p) => p.keyId !== from.id),
    previousSlot: graceMs > 0 ? slot : undefined,
    restartTargets: restartTargetsFor(ctx),
  };
  if (handledRotate !== undefined) plan.handledRotate = handledRotate;
  return plan;
}
