// When a key needs a successor: the one answer the Pulumi provider and the controller's planner share.
// Pure: spec, key times and the clock in; an instant and a reason out.
import { DAY_MS, parseDuration, WEEK_MS } from "../domain/durations.ts";
import type { KeySpec, RotationSpec } from "../spec/key-spec.ts";

export const ROTATION_REASONS = {
  /** rotation.every has passed since the key was created. */
  period: "RotationPeriod",
  /** The key expires within rotation.renewBefore, or within its default: a third of its lifetime, at most 7 days. */
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

export interface RenewalOptions {
  /**
   * The spec gives a fixed expiry instant (`expiresAt`): a successor would expire at the same instant, so
   * renewing early gains nothing and only an explicit `renewBefore` applies. Default: each key gets a fresh
   * lifetime (`expiresAfter`), and one with no `renewBefore` is renewed by the default rule.
   */
  fixedExpiry?: boolean;
}

/** The renewal options a spec implies. */
export function renewalOptionsFor(spec: Pick<KeySpec, "expiresAt">): RenewalOptions {
  return { fixedExpiry: spec.expiresAt !== undefined };
}

/**
 * How long before its expiry a key is renewed when no renewBefore is given (cert-manager's convention): a
 * third of its lifetime, so renewal falls at two thirds of it, but never more than 7 days ahead.
 */
export function defaultRenewBeforeMs(key: KeyTimes): number | null {
  if (key.expiresAt === null) return null;
  const lifetime = key.expiresAt - key.createdAt;
  if (lifetime <= 0) return 0;
  return Math.min(WEEK_MS, Math.floor(lifetime / 3));
}

/**
 * The next rotation: the earliest of created + every, expiry − renewBefore (given, or by default a third of
 * the lifetime, at most 7 days), and expiry itself (a key must never be allowed to lapse while its spec still
 * wants it).
 */
export function nextRotation(
  rotation: RotationSpec | undefined,
  key: KeyTimes,
  options: RenewalOptions = {},
): RotationSchedule {
  const candidates: { at: number; reason: RotationReason }[] = [];
  if (rotation?.every)
    candidates.push({ at: key.createdAt + parseDuration(rotation.every), reason: ROTATION_REASONS.period });
  if (key.expiresAt !== null) {
    const renewBefore =
      rotation?.renewBefore !== undefined
        ? parseDuration(rotation.renewBefore)
        : options.fixedExpiry
          ? null
          : defaultRenewBeforeMs(key);
    if (renewBefore !== null && renewBefore > 0)
      candidates.push({ at: key.expiresAt - renewBefore, reason: ROTATION_REASONS.renewBefore });
    candidates.push({ at: key.expiresAt, reason: ROTATION_REASONS.expired });
  }
  if (candidates.length === 0) return { at: null, reason: null };
  // Earliest wins; on a tie the more specific reason (listed first) is kept.
  const first = candidates.reduce((a, b) => (b.at < a.at ? b : a));
  return { at: first.at, reason: first.reason };
}

/**
 * Whether a rotation is due at `now`, and why. A key found past its expiry (nothing ran while its renewal
 * window was open) is due at once, for that reason.
 */
export function rotationDue(
  rotation: RotationSpec | undefined,
  key: KeyTimes,
  now: number,
  options: RenewalOptions = {},
): { due: boolean; schedule: RotationSchedule } {
  const schedule = nextRotation(rotation, key, options);
  const due = schedule.at !== null && schedule.at <= now;
  if (due && key.expiresAt !== null && key.expiresAt <= now)
    return { due, schedule: { at: schedule.at, reason: ROTATION_REASONS.expired } };
  return { due, schedule };
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
