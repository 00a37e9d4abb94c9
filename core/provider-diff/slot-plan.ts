// What an update does to a key slot (a Pulumi ApiKey resource): keep the key, roll it, or replace it.
// Pure: the spec the current key was made for, the spec wanted now, what is known of the current and
// previous keys, and the clock in; one plan out. The edit rules (mintsNewKey) and the rotation schedule
// (rotationDue) are core's; this only chains them with the key's health, first cause first.
import { type RotationSchedule, renewalOptionsFor, rotationDue } from "../rotation/rotation-due.ts";
import { mintsNewKey, type SpecEdit } from "../spec/edit-rules.ts";
import type { KeySpec } from "../spec/key-spec.ts";

/** The current key's status as last observed; `missing` when the keys API no longer knows its id. */
export type ObservedKeyStatus = "active" | "expiring" | "expired" | "revoked" | "missing";

export interface ObservedKey {
  status: ObservedKeyStatus;
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number | null;
}

export interface SlotPlanInput {
  /** The spec the current key was minted or last patched for. */
  before: KeySpec;
  /** The spec wanted now. */
  after: KeySpec;
  key: ObservedKey;
  /** When the previous key (kept for a grace period) stops working; null when there is none. */
  previousRevokeAt: number | null;
  /**
   * The owner the current key's metadata names and the one the slot needs now (a Pulumi resource's URN). A
   * key's owner is fixed at create (the keys API refuses to rewrite it), so a different owner means a new key.
   */
  owner?: { before: string; after: string };
  now: number;
}

/**
 * keep: the same key (maybe patched in place). roll: a new key, the current one kept for the grace period.
 * replace: a new key made by create — in the other environment (the old one kept for the grace period) or
 * because the current key no longer works (nothing to keep).
 */
export type KeyAction = "keep" | "roll" | "replace";

export const SLOT_REASONS = {
  /** The current key was revoked outside this slot's control (refresh saw it). */
  keyRevoked: "KeyRevoked",
  /** The current key has expired. */
  keyExpired: "KeyExpired",
  /** The keys API no longer knows the current key. */
  keyMissing: "KeyMissing",
  /** The current key is scheduled to stop working (a revocation scheduled outside this slot). */
  keyExpiring: "KeyExpiring",
  /** The slot's owner changed (a renamed resource, a renamed stack): a key's owner cannot change. */
  ownerMoved: "OwnerMoved",
  /** environment changed: the new key lives in the other environment. */
  environment: "EnvironmentChanged",
  /** scopes or expiry changed. */
  spec: "SpecChanged",
} as const;

export interface SlotPlan {
  action: KeyAction;
  /** Why a new key is minted, most compelling first; empty for keep. */
  reasons: string[];
  /** The current key keeps working for the grace period after the new one exists (false: it is dead already). */
  graceForCurrentKey: boolean;
  /** A new key supersedes the previous one still in its grace period: revoke that one at once (DESIGN). */
  supersedePrevious: boolean;
  /** The previous key's grace period is over: forget it. */
  forgetPrevious: boolean;
  edit: SpecEdit;
  /** The current key's rotation schedule under the wanted spec (meaningful when the key is kept). */
  rotation: RotationSchedule;
  /** Anything to record or do at all; false means the update is a no-op. */
  changes: boolean;
}

type Check = (input: SlotPlanInput, edit: SpecEdit) => { action: KeyAction; reason: string } | undefined;

// A key that no longer works cannot be rolled; a new one is created with nothing to overlap.
const keyGone: Check = ({ key, now }) => {
  if (key.status === "revoked") return { action: "replace", reason: SLOT_REASONS.keyRevoked };
  if (key.status === "missing") return { action: "replace", reason: SLOT_REASONS.keyMissing };
  if (key.status === "expired" || (key.expiresAt !== null && key.expiresAt <= now))
    return { action: "replace", reason: SLOT_REASONS.keyExpired };
  return undefined;
};

// Ownership metadata is immutable after create, so neither a patch nor a roll (which copies it) can follow.
const ownerMoved: Check = ({ owner }) =>
  owner !== undefined && owner.before !== owner.after
    ? { action: "replace", reason: SLOT_REASONS.ownerMoved }
    : undefined;

const environmentChanged: Check = (_input, edit) =>
  edit.replaceEnvironment ? { action: "replace", reason: SLOT_REASONS.environment } : undefined;

const rollingFieldsChanged: Check = (_input, edit) =>
  edit.rolling.length > 0 ? { action: "roll", reason: SLOT_REASONS.spec } : undefined;

const scheduledOutOfBand: Check = ({ key }) =>
  key.status === "expiring" ? { action: "roll", reason: SLOT_REASONS.keyExpiring } : undefined;

const rotationIsDue: Check = ({ after, key, now }) => {
  const { due, schedule } = rotationDue(after.rotation, key, now, renewalOptionsFor(after));
  return due && schedule.reason !== null ? { action: "roll", reason: schedule.reason } : undefined;
};

const CHECKS: readonly Check[] = [
  keyGone,
  ownerMoved,
  environmentChanged,
  rollingFieldsChanged,
  scheduledOutOfBand,
  rotationIsDue,
];

/** The one decision behind the Pulumi provider's diff and update. */
export function planSlot(input: SlotPlanInput): SlotPlan {
  const edit = mintsNewKey(input.before, input.after);
  const fired = CHECKS.map((check) => check(input, edit)).filter((hit) => hit !== undefined);
  const action = fired[0]?.action ?? "keep";
  const reasons = fired.map((hit) => hit.reason);
  const graceForCurrentKey = action !== "keep" && keyGone(input, edit) === undefined;
  const previousLive = input.previousRevokeAt !== null && input.previousRevokeAt > input.now;
  const forgetPrevious = input.previousRevokeAt !== null && input.previousRevokeAt <= input.now;
  const rotation = rotationDue(
    input.after.rotation,
    input.key,
    input.now,
    renewalOptionsFor(input.after),
  ).schedule;
  const changes =
    action !== "keep" || edit.inPlace.length > 0 || edit.scheduleChanged.length > 0 || forgetPrevious;
  return {
    action,
    reasons,
    graceForCurrentKey,
    supersedePrevious: action !== "keep" && previousLive,
    forgetPrevious,
    edit,
    rotation,
    changes,
  };
}
