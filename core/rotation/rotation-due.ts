// When a key needs a successor: the one answer the Pulumi provider and the controller's planner share.
// Pure: spec, key times and the clock in; an instant and a reason out.
import { DAY_MS, parseDuration } from "../domain/durations.ts";
import type { RotationSpec } from "../spec/key-spec.ts";

export const ROTATION_REASONS = {
  /** rotation.every has passed since the key was created. */
  period: "RotationPeriod",
  /** The key expires within rotation.renewBefore. */
  renewBefore: "RenewBeforeExpiry",
  /** The key has expired (or expires now) and nothing rotated it earlier. */
  expired: "Expired",
} as const;
export type RotationReason = (typeof ROTATION_REASONS)[keyof typeof ROTATION_REASONS];

export interface KeyTimes {
  /** Milliseconds since the epoch. */
  createdAt: number;
  expiresAt: number | null;
}

export interface RotationSchedule {
  /** When the next rotation falls due; null when nothing ever rotates this key. */
  at: number | null;
  reason: RotationReason | null;
}

/**
 * The next rotation: the earliest of created + every, expiry − renewBefore, and expiry itself (a key
 * must never be allowed to lapse while its spec still wants it).
 */
export function nextRotation(rotation: RotationSpec | undefined, key: KeyTimes): RotationSchedule {
  const candidates: { at: number; reason: RotationReason }[] = [];
  if (rotation?.every)
    candidates.push({ at: key.createdAt + parseDuration(rotation.every), reason: ROTATION_REASONS.period });
  if (key.expiresAt !== null) {
    if (rotation?.renewBefore)
      candidates.push({
        at: key.expiresAt - parseDuration(rotation.renewBefore),
        reason: ROTATION_REASONS.renewBefore,
      });
    candidates.push({ at: key.expiresAt, reason: ROTATION_REASONS.expired });
  }
  if (candidates.length === 0) return { at: null, reason: null };
  // Earliest wins; on a tie the more specific reason (listed first) is kept.
  const first = candidates.reduce((a, b) => (b.at < a.at ? b : a));
  return { at: first.at, reason: first.reason };
}

/** Whether a rotation is due at `now`, and why. */
export function rotationDue(
  rotation: RotationSpec | undefined,
  key: KeyTimes,
  now: number,
): { due: boolean; schedule: RotationSchedule } {
  const schedule = nextRotation(rotation, key);
  return { due: schedule.at !== null && schedule.at <= now, schedule };
}

/**
 * How long the old key keeps working after a rotation. Unset: the seed's week, but never half the rotation
 * period or more, so a short schedule does not pile up overlapping keys.
 */
export function gracePeriodMs(rotation: RotationSpec | undefined): number {
  if (rotation?.gracePeriod !== undefined) return parseDuration(rotation.gracePeriod, { allowZero: true });
  const week = 7 * DAY_MS;
  return rotation?.every ? Math.min(week, Math.floor(parseDuration(rotation.every) / 2)) : week;
}
