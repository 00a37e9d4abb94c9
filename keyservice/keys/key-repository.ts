// SQL for keys: the only place that knows the api_keys table.
import type { Queryable, SqlValue } from "../store/database.ts";
import { fromRow, type KeyRecord, type KeyStatus } from "./key-record.ts";

const COLUMNS =
  "id, name, environment, scopes, status, hmac_kid, digest, first6, last4, created_at, updated_at, expires_at, " +
  "expiring_at, scheduled_reason, last_used_at, rolled_from, replaced_by, revoked_at, revocation_reason, metadata, created_by";

export async function insertKey(db: Queryable, r: KeyRecord): Promise<void> {
  await db.run(
    `INSERT INTO api_keys (${COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)`,
    [
      r.id,
      r.name,
      r.environment,
      JSON.stringify(r.scopes),
      r.status,
      r.hmacKid,
      r.digest,
      r.first6,
      r.last4,
      r.createdAt,
      r.updatedAt,
      r.expiresAt,
      r.expiringAt,
      r.scheduledReason,
      r.lastUsedAt,
      r.rolledFrom,
      r.replacedBy,
      r.revokedAt,
      r.revocationReason,
      JSON.stringify(r.metadata),
      r.createdBy,
    ],
  );
  // key_metadata, which answers metadata filters from an index, is kept by triggers (migration 2).
}

export async function getKey(db: Queryable, id: string, forUpdate = ""): Promise<KeyRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1${forUpdate}`, [id]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function findByDigest(
  db: Queryable,
  kid: string,
  digest: string,
): Promise<KeyRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM api_keys WHERE digest = $1 AND hmac_kid = $2`, [
    digest,
    kid,
  ]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Writes the mutable columns of a record back; returns the stored status it replaced (undefined: no row). */
export async function saveKey(db: Queryable, r: KeyRecord): Promise<KeyStatus | undefined> {
  const before = (await db.query("SELECT status FROM api_keys WHERE id = $1", [r.id]))[0];
  if (!before) return undefined;
  await db.run(
    `UPDATE api_keys SET name = $2, status = $3, updated_at = $4, expiring_at = $5, scheduled_reason = $6,
       replaced_by = $7, revoked_at = $8, revocation_reason = $9, metadata = $10 WHERE id = $1`,
    [
      r.id,
      r.name,
      r.status,
      r.updatedAt,
      r.expiringAt,
      r.scheduledReason,
      r.replacedBy,
      r.revokedAt,
      r.revocationReason,
      JSON.stringify(r.metadata),
    ],
  );
  return String(before.status) as KeyStatus;
}

export interface ListFilter {
  environment?: string;
  status?: KeyStatus;
  name?: string;
  metadata?: Record<string, string>;
  updatedAfter?: number;
  /** Position after which the page starts: (time, id) of the order in use. */
  after?: { time: number; id: string };
  limit: number;
}

/**
 * One page in a stable order: by (updated_at, id) when `updatedAfter` is given (so a client can resume from
 * the last change it saw), else by (created_at, id).
 */
export async function listKeys(
  db: Queryable,
  f: ListFilter,
): Promise<{ records: KeyRecord[]; hasMore: boolean }> {
  const byUpdate = f.updatedAfter !== undefined;
  const timeColumn = byUpdate ? "updated_at" : "created_at";
  const where: string[] = [];
  const params: SqlValue[] = [];
  const add = (clause: string, value: SqlValue) => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (f.environment) add("environment = ?", f.environment);
  if (f.status) add("status = ?", f.status);
  if (f.name) add("name = ?", f.name);
  if (f.updatedAfter !== undefined) add("updated_at >= ?", f.updatedAfter); // inclusive: pollers pass the last updated_at they saw
  if (f.after) {
    params.push(f.after.time, f.after.id);
    where.push(
      `(${timeColumn} > $${params.length - 1} OR (${timeColumn} = $${params.length - 1} AND id > $${params.length}))`,
    );
  }
  // Each metadata pair is one indexed lookup in key_metadata (name, value) → key ids.
  for (const [name, value] of Object.entries(f.metadata ?? {})) {
    params.push(name, value);
    where.push(
      `id IN (SELECT key_id FROM key_metadata WHERE name = $${params.length - 1} AND value = $${params.length})`,
    );
  }
  params.push(f.limit + 1);
  const sql =
    `SELECT ${COLUMNS} FROM api_keys${where.length ? ` WHERE ${where.join(" AND ")}` : ""}` +
    ` ORDER BY ${timeColumn}, id LIMIT $${params.length}`;
  const records = (await db.query(sql, params)).map(fromRow);
  const hasMore = records.length > f.limit;
  return { records: records.slice(0, f.limit), hasMore };
}

/** Keys whose deadline (scheduled revocation or expiry) has passed but whose stored status has not caught up. */
export async function dueKeys(db: Queryable, now: number): Promise<KeyRecord[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM api_keys WHERE (status = 'expiring' AND expiring_at <= $1)
       OR (status IN ('active', 'expiring') AND expires_at <= $1) LIMIT 500`,
    [now],
  );
  return rows.map(fromRow);
}

export async function countByStatus(db: Queryable): Promise<Record<string, number>> {
  const rows = await db.query(
    "SELECT environment, status, COUNT(*) AS n FROM api_keys GROUP BY environment, status",
  );
  const out: Record<string, number> = {};
  for (const row of rows) out[`${row.environment}/${row.status}`] = Number(row.n);
  return out;
}

export async function countKeys(db: Queryable): Promise<number> {
  const rows = await db.query("SELECT COUNT(*) AS n FROM api_keys");
  return Number(rows[0]?.n ?? 0);
}
