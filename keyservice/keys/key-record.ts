// A stored key as the service sees it, and its state at a given instant. Stored status changes only by
// writes; deadlines (expiry, scheduled revocation) take effect at their instant whether or not the sweeper
// has written them yet, so every read goes through effectiveState().
import { type Environment, redactFromParts, type Scope } from "../../core/domain/index.ts";
import type { Row } from "../store/database.ts";

export type KeyStatus = "active" | "expiring" | "expired" | "revoked";
export const REVOCATION_REASONS = [
  "compromised",
  "replaced",
  "unused",
  "employee_departure",
  "project_ended",
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface KeyRecord {
  id: string;
  name: string;
  environment: Environment;
  scopes: Scope[];
  status: KeyStatus;
  hmacKid: string;
  digest: string;
  first6: string;
  last4: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  /** When an `expiring` key is revoked: min(own expiry, roll time + grace) or a scheduled revocation. */
  expiringAt: number | null;
  scheduledReason: RevocationReason | null;
  lastUsedAt: number | null;
  rolledFrom: string | null;
  replacedBy: string | null;
  revokedAt: number | null;
  revocationReason: RevocationReason | null;
  metadata: Record<string, string>;
  createdBy: string | null;
}

/** The record as it stands at `now`: a passed deadline has taken effect, at the deadline's time. */
export function effectiveState(record: KeyRecord, now: number): KeyRecord {
  if (record.status === "revoked" || record.status === "expired") return record;
  const revokeAt = record.status === "expiring" ? record.expiringAt : null;
  const expireAt = record.expiresAt;
  if (revokeAt !== null && revokeAt <= now && (expireAt === null || revokeAt <= expireAt)) {
    return {
      ...record,
      status: "revoked",
      revokedAt: revokeAt,
      revocationReason: record.scheduledReason ?? "replaced",
      updatedAt: Math.max(record.updatedAt, revokeAt),
    };
  }
  if (expireAt !== null && expireAt <= now) {
    return { ...record, status: "expired", updatedAt: Math.max(record.updatedAt, expireAt) };
  }
  return record;
}

export function isUsable(record: KeyRecord, now: number): boolean {
  const status = effectiveState(record, now).status;
  return status === "active" || status === "expiring";
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The wire form (contract 1's key object). Never carries the secret: only create and roll add it. */
export function toApiKey(record: KeyRecord, now: number): Record<string, unknown> {
  const r = effectiveState(record, now);
  return {
    object: "api_key",
    id: r.id,
    name: r.name,
    environment: r.environment,
    scopes: r.scopes,
    status: r.status,
    redacted: redactFromParts(r.environment, r.first6, r.last4),
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    expires_at: iso(r.expiresAt),
    expiring_at: r.status === "expiring" ? iso(r.expiringAt) : null,
    last_used_at: iso(r.lastUsedAt),
    rolled_from: r.rolledFrom,
    replaced_by: r.replacedBy,
    revoked_at: iso(r.revokedAt),
    revocation_reason: r.revocationReason,
    metadata: r.metadata,
  };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function fromRow(row: Row): KeyRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    environment: row.environment as Environment,
    scopes: JSON.parse(String(row.scopes)) as Scope[],
    status: row.status as KeyStatus,
    hmacKid: String(row.hmac_kid),
    digest: String(row.digest),
    first6: String(row.first6),
    last4: String(row.last4),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: num(row.expires_at),
    expiringAt: num(row.expiring_at),
    scheduledReason: (row.scheduled_reason as RevocationReason | null) ?? null,
    lastUsedAt: num(row.last_used_at),
    rolledFrom: (row.rolled_from as string | null) ?? null,
    replacedBy: (row.replaced_by as string | null) ?? null,
    revokedAt: num(row.revoked_at),
    revocationReason: (row.revocation_reason as RevocationReason | null) ?? null,
    metadata: JSON.parse(String(row.metadata)) as Record<string, string>,
    createdBy: (row.created_by as string | null) ?? null,
  };
}
