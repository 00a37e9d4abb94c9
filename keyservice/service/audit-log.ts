// Who did what to which key: every management call and every deadline taking effect. Details are
// structured facts (reason, changed fields, scopes) — never a key value; free text is masked.
import { randomBytes } from "node:crypto";
import type { AuditAction } from "../../core/client/types.ts";
import { maskKeyLiterals } from "../../core/domain/index.ts";
import type { Queryable } from "../store/database.ts";

/** The API's actions plus a dashboard sign-in (the key that signed in is both actor and target). */
export type ServiceAuditAction = AuditAction | "api_key.signed_in";

export interface AuditEntry {
  action: ServiceAuditAction;
  actorKeyId: string | null;
  targetKeyId: string | null;
  requestId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  at: number;
}

export function auditId(at: number): string {
  // Sortable by time, then random: ids order like created_at.
  return `evt_${at.toString(36).padStart(10, "0")}${randomBytes(7).toString("hex")}`;
}

export async function writeAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  const details = maskKeyLiterals(JSON.stringify(entry.details));
  await db.run(
    `INSERT INTO audit_events (id, created_at, actor_key_id, action, target_key_id, request_id, ip, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      auditId(entry.at),
      entry.at,
      entry.actorKeyId,
      entry.action,
      entry.targetKeyId,
      entry.requestId,
      entry.ip,
      details,
    ],
  );
}

export function auditEventToApi(row: Record<string, unknown>): Record<string, unknown> {
  return {
    object: "audit_event",
    id: row.id,
    created_at: new Date(Number(row.created_at)).toISOString(),
    actor_key_id: row.actor_key_id ?? null,
    action: row.action,
    target_key_id: row.target_key_id ?? null,
    request_id: row.request_id ?? null,
    // The address is left out, not null, for events no request caused (deadlines, bootstrap).
    ...(row.ip ? { ip: row.ip } : {}),
    details: JSON.parse(String(row.details)),
  };
}
