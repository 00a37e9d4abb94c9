// Status the planner asks the shell to write: after a key is minted, and when everything is in place.
// Pure; the one writer of every field is the controller's reconciler. Status is output: every field is
// rebuilt from the keys service's records and the spec.
import { graceDeadline } from "../rotation/deadlines.ts";
import { nextRotation, renewalOptionsFor } from "../rotation/rotation-due.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import { buildConditions } from "./conditions.ts";
import { REASONS } from "./reasons.ts";
import type { ApiKeyStatus, KeyRecord, MintPlan, PreviousKey } from "./types.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** The next rotation instant for a key, as status.nextRotationAt. */
export function nextRotationAt(
  spec: KeySpec | undefined,
  key: Pick<KeyRecord, "createdAt" | "expiresAt"> | undefined,
): string | null {
  if (spec === undefined || key === undefined) return null;
  const at = nextRotation(spec.rotation, key, renewalOptionsFor(spec)).at;
  return at === null ? null : iso(at);
}

/** The status fields that describe the current key, from its record. */
export function keyFields(key: Pick<KeyRecord, "id" | "redacted" | "createdAt" | "expiresAt">): ApiKeyStatus {
  return {
    keyId: key.id,
    redacted: key.redacted,
    createdAt: iso(key.createdAt),
    expiresAt: key.expiresAt === null ? null : iso(key.expiresAt),
  };
}

/** Drops fields written by earlier releases (never acted on). */
export function withoutLegacy(status: ApiKeyStatus): ApiKeyStatus {
  const { pending: _pending, applied: _applied, ...rest } = status;
  return rest;
}

/** A key the keys API returned from create or roll (never its secret). */
export type MintedKey = Pick<KeyRecord, "id" | "redacted" | "createdAt" | "expiresAt">;

/** Previous keys after a mint: a roll keeps the rolled key until its grace deadline. */
export function previousKeysAfter(plan: MintPlan, minted: MintedKey): PreviousKey[] {
  const from = plan.request.operation === "Roll" ? plan.replaces : undefined;
  if (from === undefined || plan.graceMs <= 0) return plan.keepPrevious;
  const rolled: PreviousKey = {
    keyId: from.id,
    redacted: from.redacted,
    revokeAfter: iso(graceDeadline(from, { now: minted.createdAt, graceMs: plan.graceMs })),
  };
  return [rolled, ...plan.keepPrevious];
}

export interface AfterMintInput {
  status: ApiKeyStatus;
  plan: MintPlan;
  minted: MintedKey;
  generation: number;
  secretName: string;
  now: number;
  restarted: boolean;
}

export function statusAfterMint(input: AfterMintInput): ApiKeyStatus {
  const { status, plan, minted, now } = input;
  const next: ApiKeyStatus = {
    ...withoutLegacy(status),
    ...keyFields(minted),
    previousKeys: previousKeysAfter(plan, minted),
    secretName: input.secretName,
  };
  if (plan.replaces !== undefined) next.lastRotatedAt = iso(now);
  if (input.restarted) next.restartedFor = minted.id;
  if (plan.handledRotate !== undefined) next.handledRotate = plan.handledRotate;
  if (plan.handledCompromised !== undefined) next.handledCompromised = plan.handledCompromised;
  next.nextRotationAt = nextRotationAt(plan.spec, minted);
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
