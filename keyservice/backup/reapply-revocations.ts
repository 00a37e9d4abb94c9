// A restore brings back the store as it was at the snapshot: keys revoked since then would work again. The
// audit export (GET /v1/audit_events pages saved before the restore) says what happened after; every key
// revoked since is revoked again, every scheduled revocation or roll deadline is set again, before the
// service serves a single request.

import { type KeyRecord, REVOCATION_REASONS, type RevocationReason } from "../keys/key-record.ts";
import { getKey, saveKey } from "../keys/key-repository.ts";
import { writeAudit } from "../service/audit-log.ts";
import type { Database } from "../store/database.ts";
import { BackupError } from "./snapshot.ts";

export interface ExportedEvent {
  id: string;
  action: string;
  target_key_id: string | null;
  created_at: string;
  details: Record<string, unknown>;
}

/** Accepts one page (`{data: […]}`), an array of pages or of events, or JSON Lines of either. */
export function parseAuditExport(text: string, source: string): ExportedEvent[] {
  const values: unknown[] = [];
  try {
    values.push(JSON.parse(text));
  } catch {
    try {
      for (const line of text.split("\n")) if (line.trim()) values.push(JSON.parse(line));
    } catch {
      throw new BackupError(`audit export ${source} is neither JSON nor JSON Lines`);
    }
  }
  const events: ExportedEvent[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) collect(v);
    else if (value && typeof value === "object" && Array.isArray((value as { data?: unknown }).data))
      collect((value as { data: unknown[] }).data);
    else if (value && typeof value === "object" && typeof (value as ExportedEvent).action === "string")
      events.push(value as ExportedEvent);
    else throw new BackupError(`audit export ${source} holds something other than audit events`);
  };
  for (const v of values) collect(v);
  return events.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

function reasonOf(details: Record<string, unknown>, fallback: RevocationReason): RevocationReason {
  const reason = details.reason;
  return REVOCATION_REASONS.includes(reason as RevocationReason) ? (reason as RevocationReason) : fallback;
}

/** The change an exported event asks of a restored key, or undefined when the key already reflects it. */
function replay(key: KeyRecord, event: ExportedEvent, now: number): KeyRecord | undefined {
  if (key.status === "revoked") return undefined;
  if (event.action === "api_key.revoked")
    return {
      ...key,
      status: "revoked",
      revokedAt: Date.parse(event.created_at),
      revocationReason: reasonOf(event.details, "compromised"),
      expiringAt: null,
      updatedAt: now,
    };
  const deadline =
    event.action === "api_key.revocation_scheduled"
      ? event.details.effective_at
      : event.action === "api_key.rolled"
        ? event.details.old_key_deadline
        : undefined;
  if (typeof deadline !== "string" || key.status === "expired") return undefined;
  const at = Date.parse(deadline);
  if (key.expiringAt !== null && key.expiringAt <= at) return undefined;
  const reason = event.action === "api_key.rolled" ? "replaced" : reasonOf(event.details, "replaced");
  return { ...key, status: "expiring", expiringAt: at, scheduledReason: reason, updatedAt: now };
}

export interface ReapplyOutcome {
  revoked: string[];
  rescheduled: string[];
  /** Keys created after the snapshot: gone with the restore (their holders need new keys). */
  lost: string[];
}

export async function reapplyRevocations(
  db: Database,
  events: ExportedEvent[],
  now: number,
): Promise<ReapplyOutcome> {
  const outcome: ReapplyOutcome = { revoked: [], rescheduled: [], lost: [] };
  await db.transaction(async (tx) => {
    for (const event of events) {
      const newKeyId = event.action === "api_key.rolled" ? event.details.new_key_id : undefined;
      if (typeof newKeyId === "string" && !(await getKey(tx, newKeyId))) outcome.lost.push(newKeyId);
      if (!event.target_key_id) continue;
      const key = await getKey(tx, event.target_key_id, db.forUpdate);
      if (!key) {
        if (event.action === "api_key.created") outcome.lost.push(event.target_key_id);
        continue;
      }
      const next = replay(key, event, now);
      if (!next) continue;
      await saveKey(tx, next);
      await writeAudit(tx, {
        action: next.status === "revoked" ? "api_key.revoked" : "api_key.revocation_scheduled",
        actorKeyId: null,
        targetKeyId: key.id,
        requestId: null,
        ip: null,
        at: now,
        details: {
          reason: next.status === "revoked" ? next.revocationReason : next.scheduledReason,
          restored_from_event: event.id,
          ...(next.status === "expiring"
            ? { effective_at: new Date(next.expiringAt ?? now).toISOString() }
            : {}),
        },
      });
      (next.status === "revoked" ? outcome.revoked : outcome.rescheduled).push(key.id);
    }
  });
  return outcome;
}
