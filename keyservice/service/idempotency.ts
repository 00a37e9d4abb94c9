// Idempotency-Key: the first response to (actor, key) is kept, encrypted, for the replay window and
// returned again — secret included — to a retry of the same request; the same key with another request is
// refused. The record is written in the same transaction as the change itself, so a crash leaves either
// both or neither, and concurrent requests with one key produce one change.
import { createHash } from "node:crypto";
import { type Keyring, UnknownAesKeyError } from "../keyring.ts";
import type { Database, Queryable } from "../store/database.ts";
import { ServiceError } from "./service-error.ts";

export interface OperationResult {
  status: number;
  body: Record<string, unknown>;
  replayed?: boolean;
}

export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
    .digest("base64url");
}

/** Signals that a concurrent transaction won the insert; the caller retries and then sees its result. */
class LostInsertRace extends Error {}

export interface IdempotencyOptions {
  db: Database;
  keyring: Keyring;
  windowMs: number;
  now: () => number;
}

export async function runIdempotent(
  options: IdempotencyOptions,
  scope: { actor: string; key: string | undefined; fingerprint: string },
  operation: (tx: Queryable) => Promise<OperationResult>,
): Promise<OperationResult> {
  const { db, keyring, windowMs, now } = options;
  if (scope.key === undefined) return db.transaction(operation);
  const key = scope.key;
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const at = now();
        const rows = await tx.query(
          `SELECT request_hash, status_code, response, aes_kid, expires_at FROM idempotency WHERE actor = $1 AND idem_key = $2${db.forUpdate}`,
          [scope.actor, key],
        );
        const existing = rows[0];
        if (existing && Number(existing.expires_at) > at) {
          if (existing.request_hash !== scope.fingerprint)
            throw new ServiceError(
              "idempotency_key_reused",
              "This Idempotency-Key was already used for a different request; use a new key for a new request.",
            );
          const body = JSON.parse(keyring.decrypt(String(existing.aes_kid), String(existing.response)));
          return { status: Number(existing.status_code), body, replayed: true };
        }
        if (existing)
          await tx.run("DELETE FROM idempotency WHERE actor = $1 AND idem_key = $2", [scope.actor, key]);
        const inserted = await tx.run(
          `INSERT INTO idempotency (actor, idem_key, request_hash, status_code, created_at, expires_at)
           VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT (actor, idem_key) DO NOTHING`,
          [scope.actor, key, scope.fingerprint, at, at + windowMs],
        );
        if (inserted === 0) throw new LostInsertRace();
        const result = await operation(tx);
        const sealed = keyring.encrypt(JSON.stringify(result.body));
        await tx.run(
          "UPDATE idempotency SET status_code = $3, response = $4, aes_kid = $5 WHERE actor = $1 AND idem_key = $2",
          [scope.actor, key, result.status, sealed.ciphertext, sealed.kid],
        );
        return result;
      });
    } catch (err) {
      // Sealed by a node that took a rotated keyring first: read the keyring again (outside the
      // transaction), then retry.
      if (err instanceof UnknownAesKeyError && attempt === 0 && (await keyring.refresh())) continue;
      if (!(err instanceof LostInsertRace)) throw err;
      if (attempt >= 5)
        throw new ServiceError(
          "idempotency_request_in_progress",
          "A request with this Idempotency-Key is still running.",
          {
            retryAfterSeconds: 1,
          },
        );
    }
  }
}

/** Erases replay records whose window has ended (their encrypted responses hold key values). */
export async function eraseExpiredReplays(db: Queryable, now: number): Promise<number> {
  return db.run("DELETE FROM idempotency WHERE expires_at <= $1", [now]);
}
