// Expiry and grace deadlines, computed once for both shells (the controller and the Pulumi provider).
// Pure: spec fields and instants in (epoch milliseconds), an instant out.
import { parseDuration } from "../domain/durations.ts";

/** The expiry of a key minted at `now`: the fixed instant, a fresh lifetime, or none. */
export function expiryAt(spec: { expiresAt?: string; expiresAfter?: string }, now: number): number | null {
  if (spec.expiresAt !== undefined) return Date.parse(spec.expiresAt);
  if (spec.expiresAfter !== undefined) return now + parseDuration(spec.expiresAfter);
  return null;
}

/**
 * When a rolled key stops working: the end of its grace period, or its own expiry if that comes first
 * (the keys service's rule for the old key's deadline).
 */
export function graceDeadline(rolledAt: number, graceMs: number, ownExpiresAt: number | null): number {
  return Math.min(rolledAt + graceMs, ownExpiresAt ?? Number.POSITIVE_INFINITY);
}
