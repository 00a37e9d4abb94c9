// Dashboard sessions: a browser signs in once with a management key and then holds only an opaque token in
// an HTTP-only cookie. The store keeps the SHA-256 of that token and of its CSRF token, never either one, so
// every node answers for every session and a copy of the database signs no one in. The CSRF token is derived
// from the session token (an HMAC keyed by it): the service can hand it back on GET /session without storing
// it, and knowing it reveals nothing of the cookie. The session's principal is the key that signed in, read
// from the store on every request: once that key is revoked or expired, on any node, its sessions end.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { isUsable, type KeyRecord } from "../keys/key-record.ts";
import { getKey } from "../keys/key-repository.ts";
import type { Queryable } from "../store/database.ts";
import { writeAudit } from "./audit-log.ts";
import type { ServiceDeps } from "./context.ts";

export const DEFAULT_SESSION_TTL_MS = 8 * 3_600_000;

export interface Session {
  tokenHash: string;
  keyId: string;
  csrfHash: string;
  createdAt: number;
  /** Never later than the key's own expiry. */
  expiresAt: number;
}

export interface OpenedSession {
  session: Session;
  /** The signing key as it stands now. */
  principal: KeyRecord;
  /** Derived from the cookie's token; the page sends it back as X-CSRF-Token. */
  csrfToken: string;
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The CSRF token of a session token: one-way, so the page's copy cannot be turned into the cookie. */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac("sha256", sessionToken).update("ayra-keys csrf").digest("base64url");
}

/** Session tokens are 32 random bytes, base64url: anything else is no token and costs no lookup. */
export function isSessionTokenShaped(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

export async function createSession(
  deps: ServiceDeps,
  principal: KeyRecord,
  options: { ttlMs: number; requestId: string; ip: string | null },
): Promise<{ token: string; opened: OpenedSession }> {
  const now = deps.now();
  const token = randomBytes(32).toString("base64url");
  const csrfToken = csrfTokenOf(token);
  const session: Session = {
    tokenHash: sha256(token),
    keyId: principal.id,
    csrfHash: sha256(csrfToken),
    createdAt: now,
    expiresAt: Math.min(now + options.ttlMs, keyDeadline(principal)),
  };
  await deps.db.transaction(async (tx) => {
    await tx.run(
      "INSERT INTO sessions (token_hash, key_id, csrf_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
      [session.tokenHash, session.keyId, session.csrfHash, session.createdAt, session.expiresAt],
    );
    await writeAudit(tx, {
      action: "api_key.signed_in",
      actorKeyId: principal.id,
      targetKeyId: principal.id,
      requestId: options.requestId,
      ip: options.ip,
      at: now,
      details: { session_expires_at: new Date(session.expiresAt).toISOString() },
    });
  });
  return { token, opened: { session, principal, csrfToken } };
}

/** When the key stops working by itself: its expiry, or an expiring key's revocation deadline. */
function keyDeadline(key: KeyRecord): number {
  const expires = key.expiresAt ?? Number.POSITIVE_INFINITY;
  return key.status === "expiring" && key.expiringAt !== null ? Math.min(expires, key.expiringAt) : expires;
}

/** The live session of a cookie's token, or undefined: unknown, expired, or its key no longer usable. */
export async function openSession(deps: ServiceDeps, token: string): Promise<OpenedSession | undefined> {
  if (!isSessionTokenShaped(token)) return undefined;
  const rows = await deps.db.query(
    "SELECT token_hash, key_id, csrf_hash, created_at, expires_at FROM sessions WHERE token_hash = $1",
    [sha256(token)],
  );
  const row = rows[0];
  if (!row) return undefined;
  const session: Session = {
    tokenHash: String(row.token_hash),
    keyId: String(row.key_id),
    csrfHash: String(row.csrf_hash),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
  const now = deps.now();
  if (session.expiresAt <= now) return undefined;
  const principal = await getKey(deps.db, session.keyId);
  if (!principal || !isUsable(principal, now)) return undefined;
  return { session, principal, csrfToken: csrfTokenOf(token) };
}

/** Whether a presented X-CSRF-Token is the session's (compared as hashes, in constant time). */
export function csrfMatches(session: Session, presented: string | undefined): boolean {
  if (presented === undefined || presented.length === 0 || presented.length > 256) return false;
  const a = Buffer.from(sha256(presented));
  const b = Buffer.from(session.csrfHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function endSession(db: Queryable, session: Session): Promise<void> {
  await db.run("DELETE FROM sessions WHERE token_hash = $1", [session.tokenHash]);
}

/**
 * The sweeper's part: sessions past their deadline, and those of keys revoked or expired since (already
 * refused on every request), leave the store.
 */
export async function eraseEndedSessions(db: Queryable, now: number): Promise<number> {
  return db.run(
    `DELETE FROM sessions WHERE expires_at <= $1 OR EXISTS (
      SELECT 1 FROM api_keys k WHERE k.id = sessions.key_id AND k.status IN ('revoked', 'expired'))`,
    [now],
  );
}
