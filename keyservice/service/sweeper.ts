// Deadlines becoming stored state: a scheduled revocation or an expiry takes effect at its instant (reads
// already see it through effectiveState); this writes it down with updated_at = the deadline, audits it,
// and drops the key from the cache. It also erases replay records whose window has ended and ended sessions.

import { effectiveState } from "../keys/key-record.ts";
import { dueKeys, getKey } from "../keys/key-repository.ts";
import { writeAudit } from "./audit-log.ts";
import type { ServiceDeps } from "./context.ts";
import { eraseExpiredReplays } from "./idempotency.ts";
import { saveAnnounced } from "./key-changes.ts";
import { eraseEndedSessions } from "./sessions.ts";

export async function applyDeadlines(deps: ServiceDeps): Promise<number> {
  const now = deps.now();
  const due = await dueKeys(deps.db, now);
  let applied = 0;
  for (const candidate of due) {
    await deps.db.transaction(async (tx) => {
      const stored = await getKey(tx, candidate.id, deps.db.forUpdate);
      if (!stored) return;
      const next = effectiveState(stored, now);
      if (next.status === stored.status) return;
      await saveAnnounced(deps, tx, next);
      await writeAudit(tx, {
        action: next.status === "revoked" ? "api_key.revoked" : "api_key.expired",
        actorKeyId: null,
        targetKeyId: next.id,
        requestId: null,
        ip: null,
        at: next.updatedAt,
        details: next.status === "revoked" ? { reason: next.revocationReason, scheduled: true } : {},
      });
      applied++;
    });
    deps.cache.invalidate(candidate.id);
  }
  return applied;
}

export async function sweep(deps: ServiceDeps): Promise<void> {
  await applyDeadlines(deps);
  await eraseExpiredReplays(deps.db, deps.now());
  await eraseEndedSessions(deps.db, deps.now());
}
