// Revoked and expired keys still presented (the seed: "monitor for ongoing unauthorized activity"). Every
// attempt is counted exactly; at most one audit event per key per minute says who presented it (request id,
// address), so a client retrying in a loop cannot flood the audit log. Counted in memory and written with
// the usage flush; the bound is kept by the store, so several nodes sharing one database keep it too.
// The key value is never seen here: only the record the presented key resolved to.
import type { KeyRecord } from "../keys/key-record.ts";
import type { Database, Queryable } from "../store/database.ts";
import { writeAudit } from "./audit-log.ts";
import type { ServiceDeps } from "./context.ts";

export const REFUSED_AUDIT_INTERVAL_MS = 60_000;

export interface RefusedAttempt {
  /** authentication: a Bearer token on a request; introspection: a key someone asked about. */
  via: "authentication" | "introspection";
  requestId: string;
  ip: string | null;
  /** The key that asked (introspection); null when the refused key was itself the bearer. */
  actorKeyId: string | null;
}

interface Pending {
  count: number;
  last: number;
  status: string;
  /** The attempt this node would audit, when the key's minute is over. */
  audit?: RefusedAttempt & { at: number };
}

export class RefusedKeyRecorder {
  readonly #db: Database;
  #pending = new Map<string, Pending>();
  /** Per key, when this node last queued an audit event: spares the store a check per attempt. */
  readonly #auditedAt = new Map<string, number>();

  constructor(db: Database) {
    this.#db = db;
  }

  record(record: KeyRecord, attempt: RefusedAttempt, now: number): void {
    let entry = this.#pending.get(record.id);
    if (!entry) {
      entry = { count: 0, last: now, status: record.status };
      this.#pending.set(record.id, entry);
    }
    entry.count++;
    if (now > entry.last) entry.last = now;
    const audited = this.#auditedAt.get(record.id) ?? Number.NEGATIVE_INFINITY;
    if (!entry.audit && now - audited >= REFUSED_AUDIT_INTERVAL_MS) {
      entry.audit = { ...attempt, at: now };
      this.#auditedAt.set(record.id, now);
    }
  }

  /** Writes the counts and the audit events due; what fails to write is kept for the next flush. */
  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      await this.#db.transaction(async (tx) => {
        for (const [keyId, entry] of batch) await writeEntry(tx, keyId, entry);
      });
    } catch (err) {
      for (const [keyId, entry] of batch) {
        const current = this.#pending.get(keyId);
        if (!current) {
          this.#pending.set(keyId, entry);
          continue;
        }
        current.count += entry.count;
        current.last = Math.max(current.last, entry.last);
        current.audit = entry.audit ?? current.audit;
      }
      throw err;
    }
  }
}

async function writeEntry(tx: Queryable, keyId: string, entry: Pending): Promise<void> {
  await tx.run(
    `INSERT INTO refused_key_attempts (key_id, count, last_at, audited_at) VALUES ($1, $2, $3, NULL)
     ON CONFLICT (key_id) DO UPDATE SET count = refused_key_attempts.count + excluded.count,
       last_at = CASE WHEN refused_key_attempts.last_at > excluded.last_at
         THEN refused_key_attempts.last_at ELSE excluded.last_at END`,
    [keyId, entry.count, entry.last],
  );
  const audit = entry.audit;
  if (!audit) return;
  // The row lock taken by this UPDATE makes the bound hold across nodes: only one of them wins the minute.
  const won = await tx.run(
    "UPDATE refused_key_attempts SET audited_at = $2 WHERE key_id = $1 AND (audited_at IS NULL OR audited_at <= $3)",
    [keyId, audit.at, audit.at - REFUSED_AUDIT_INTERVAL_MS],
  );
  if (won === 0) return;
  await writeAudit(tx, {
    action: "api_key.revoked_key_used",
    actorKeyId: audit.actorKeyId,
    targetKeyId: keyId,
    requestId: audit.requestId,
    ip: audit.ip,
    details: { key_status: entry.status, via: audit.via },
    at: audit.at,
  });
}

/** The stored count and last attempt time of one key; like usage counts, it lags by the flush interval. */
export async function refusedAttemptsOf(
  db: Queryable,
  keyId: string,
): Promise<{ count: number; lastAt: number | null }> {
  const rows = await db.query("SELECT count, last_at FROM refused_key_attempts WHERE key_id = $1", [keyId]);
  const row = rows[0];
  return row ? { count: Number(row.count), lastAt: Number(row.last_at) } : { count: 0, lastAt: null };
}

/** Counts one presentation of a revoked or expired key: the metric at once, the store at the next flush. */
export function refusedKeyPresented(deps: ServiceDeps, record: KeyRecord, attempt: RefusedAttempt): void {
  deps.metrics.revokedKeyAttempts.inc({ status: record.status === "expired" ? "expired" : "revoked" });
  deps.usage.refused.record(record, attempt, deps.now());
}
