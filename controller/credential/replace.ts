// Sending a recorded replacement of the controller's key: the roll itself (or its replay, with the same
// Idempotency-Key), or — once the roll's replay window has passed — a successor minted with a create, after
// revoking the key the lost roll made, which nobody holds.
import type { KeysClient } from "../../core/client/client.ts";
import { isKeysApiError } from "../../core/client/errors.ts";
import { revokeUnlessGone } from "../../core/client/revoke-unless-gone.ts";
import type { ApiKey } from "../../core/client/types.ts";
import type { PendingReplacement } from "../../core/planner/credential-record.ts";

export type Replacement =
  | { ok: true; keyId: string; secret: string; orphanRevoked: boolean }
  /** The service will not replay the roll (its record is gone, or the request differs): mint a successor. */
  | { ok: false; refused: true };

/** The roll's grace in the API's unit, within what the API accepts. */
export function graceSeconds(graceMs: number): number {
  return Math.min(31_536_000, Math.max(0, Math.ceil(graceMs / 1000)));
}

export async function sendReplacement(
  keys: KeysClient,
  pending: PendingReplacement,
  old: ApiKey,
  options: { graceMs: number; signal?: AbortSignal },
): Promise<Replacement> {
  const { signal } = options;
  if (pending.kind === "roll") {
    try {
      const rolled = await keys.rollKey(
        pending.oldKeyId,
        { grace_period_seconds: graceSeconds(options.graceMs) },
        { idempotencyKey: pending.idempotencyKey, ...(signal ? { signal } : {}) },
      );
      return { ok: true, keyId: rolled.id, secret: rolled.secret, orphanRevoked: false };
    } catch (error) {
      // Past the replay window the service runs the roll again, and the old key already names its replacement;
      // a changed grace makes the same Idempotency-Key another request. Either way the roll cannot be had back.
      if (isKeysApiError(error, "roll_in_progress") || isKeysApiError(error, "idempotency_key_reused"))
        return { ok: false, refused: true };
      throw error;
    }
  }
  let orphanRevoked = false;
  // The orphan's id comes from an annotation: revoke it only when it is the key the old key's roll minted.
  if (pending.orphanKeyId !== undefined && pending.orphanKeyId === old.replaced_by) {
    const done = await revokeUnlessGone(
      keys,
      pending.orphanKeyId,
      { reason: "unused", note: "minted by a roll of the controller's key whose answer was lost" },
      signal ? { signal } : {},
    );
    orphanRevoked = done !== undefined;
  }
  // The same key again, with the old one's lifetime from when the successor was recorded (so a replay sends
  // the very same body), like a roll would give it.
  const lifetime = old.expires_at === null ? null : Date.parse(old.expires_at) - Date.parse(old.created_at);
  const created = await keys.createKey(
    {
      name: old.name,
      environment: old.environment,
      scopes: old.scopes,
      expires_at: lifetime === null ? null : new Date(pending.startedAt + lifetime).toISOString(),
      metadata: old.metadata,
    },
    { idempotencyKey: pending.idempotencyKey, ...(signal ? { signal } : {}) },
  );
  return { ok: true, keyId: created.id, secret: created.secret, orphanRevoked };
}
