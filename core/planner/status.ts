// Status the planner asks the shell to write: after a key is minted, and when everything is in place.
// Pure; the one writer of every field is the controller's reconciler.
import { nextRotation, renewalOptionsFor } from "../rotation/rotation-due.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import { buildConditions } from "./conditions.ts";
import { REASONS } from "./reasons.ts";
import type { ApiKeyStatus, AppliedSpec, PendingOperation, PreviousKey } from "./types.ts";

const iso = (ms: number) => new Date(ms).toISOString();

export function appliedFrom(spec: KeySpec): AppliedSpec {
  const applied: AppliedSpec = {
    displayName: spec.displayName,
    environment: spec.environment,
    scopes: [...spec.scopes],
  };
  if (spec.expiresAfter !== undefined) applied.expiresAfter = spec.expiresAfter;
  if (spec.expiresAt !== undefined) applied.expiresAt = spec.expiresAt;
  if (spec.owner !== undefined) applied.owner = spec.owner;
  if (spec.purpose !== undefined) applied.purpose = spec.purpose;
  return applied;
}

/** The next rotation instant for the current key, as status.nextRotationAt. */
export function nextRotationAt(spec: KeySpec | undefined, status: ApiKeyStatus): string | null {
  if (spec === undefined || status.createdAt === undefined) return null;
  const expiresAt = status.expiresAt ? Date.parse(status.expiresAt) : null;
  const key = { createdAt: Date.parse(status.createdAt), expiresAt };
  const at = nextRotation(spec.rotation, key, renewalOptionsFor(spec)).at;
  return at === null ? null : iso(at);
}

/** A key the keys API returned from create or roll (never its secret). */
export interface MintedKey {
  id: string;
  redacted: string;
  createdAt: string;
  expiresAt: string | null;
}

/** Previous keys after a completed operation: a roll keeps the rolled key for its grace period. */
export function previousKeysAfter(status: ApiKeyStatus, pending: PendingOperation): PreviousKey[] {
  const earlier = status.previousKeys ?? [];
  if (pending.operation === "Roll" && pending.fromKeyId !== undefined) {
    const graceEnd = Date.parse(pending.startedAt) + (pending.gracePeriodSeconds ?? 0) * 1000;
    const ownExpiry = status.expiresAt ? Date.parse(status.expiresAt) : Number.POSITIVE_INFINITY;
    const rolled: PreviousKey = {
      keyId: pending.fromKeyId,
      redacted: status.redacted ?? "",
      revokeAfter: iso(Math.min(graceEnd, ownExpiry)),
    };
    return [rolled, ...earlier.filter((p) => p.keyId !== pending.fromKeyId)];
  }
  if (pending.keepPrevious) return earlier.filter((p) => p.keyId !== status.keyId);
  return [];
}

/** Which value goes into the Secret's previous slot after the operation. */
export function previousSlotAfter(
  pending: PendingOperation,
  secret: { currentIntact: boolean; previousIntact: boolean; previousKeyId: string | undefined },
  status: ApiKeyStatus,
): { from: "current" | "previous"; keyId: string } | undefined {
  if (pending.operation === "Roll") {
    if ((pending.gracePeriodSeconds ?? 0) <= 0 || !secret.currentIntact || pending.fromKeyId === undefined)
      return undefined;
    return { from: "current", keyId: pending.fromKeyId };
  }
  const keep = status.previousKeys?.[0];
  if (
    pending.keepPrevious &&
    keep !== undefined &&
    secret.previousIntact &&
    secret.previousKeyId === keep.keyId
  )
    return { from: "previous", keyId: keep.keyId };
  return undefined;
}

export interface AfterMintInput {
  status: ApiKeyStatus;
  pending: PendingOperation;
  minted: MintedKey;
  spec: KeySpec | undefined;
  generation: number;
  secretName: string;
  now: number;
}

export function statusAfterMint(input: AfterMintInput): ApiKeyStatus {
  const { status, pending, minted, spec, now } = input;
  const replacement = status.keyId !== undefined;
  const next: ApiKeyStatus = {
    ...status,
    keyId: minted.id,
    redacted: minted.redacted,
    createdAt: minted.createdAt,
    expiresAt: minted.expiresAt,
    previousKeys: previousKeysAfter(status, pending),
    pending: null,
    secretName: input.secretName,
    applied: { ...pending.applied, scopes: [...pending.applied.scopes] },
  };
  if (replacement) next.lastRotatedAt = iso(now);
  if (pending.handledRotate !== undefined) next.handledRotate = pending.handledRotate;
  if (pending.handledCompromised !== undefined) next.handledCompromised = pending.handledCompromised;
  next.nextRotationAt = nextRotationAt(spec, next);
  next.observedGeneration = input.generation;
  next.conditions = buildConditions(status.conditions, {
    summary: "ready",
    reason: REASONS.Ready,
    message: readyMessage(next),
    generation: input.generation,
    now,
  });
  return next;
}

export function readyMessage(status: ApiKeyStatus): string {
  return `Key ${status.keyId} (${status.redacted}) is in Secret ${status.secretName}.`;
}
