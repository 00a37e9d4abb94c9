// The instants both shells compute when they mint or roll a key: when the new key expires, and until when the
// old one keeps working. Pure, epoch milliseconds in and out.
import { parseDuration } from "../domain/durations.ts";
import type { KeySpec } from "../spec/key-spec.ts";

/** The expiry of a key minted at `now` for `spec`: the fixed instant, a fresh lifetime, or none. */
export function expiryFor(spec: Pick<KeySpec, "expiresAt" | "expiresAfter">, now: number): number | null {
  if (spec.expiresAt !== undefined) return Date.parse(spec.expiresAt);
  if (spec.expiresAfter !== undefined) return now + parseDuration(spec.expiresAfter);
  return null;
}

/**
 * When a key rolled at `now` stops working: the end of the grace period, but never later than its own expiry
 * (the keys API's rule for a roll, and what a scheduled revocation should ask for).
 */
export function graceDeadline(
  old: { expiresAt: number | null },
  options: { now: number; graceMs: number },
): number {
  const graceEnd = options.now + options.graceMs;
  return old.expiresAt === null ? graceEnd : Math.min(old.expiresAt, graceEnd);
}
