// Every change of a key's stored state is announced: on PostgreSQL as a NOTIFY in the writing transaction
// (delivered to every node, this one included, only if it commits), which drops the key from each node's
// cache and moves the keys-by-status gauge; on SQLite (one node) the gauge moves at once. The gauge is thus
// kept on write and a scrape never counts the table.
import type { Environment } from "../../core/domain/index.ts";
import type { KeyRecord, KeyStatus } from "../keys/key-record.ts";
import { insertKey, saveKey } from "../keys/key-repository.ts";
import type { Queryable } from "../store/database.ts";
import type { ServiceDeps } from "./context.ts";

export const KEY_CHANGES_CHANNEL = "ayra_keys_changes";

export interface KeyChange {
  id: string;
  environment: Environment;
  /** The stored status before the change; null for a new key. */
  from: KeyStatus | null;
  to: KeyStatus;
}

export async function announceKeyChange(
  deps: Pick<ServiceDeps, "db" | "metrics" | "cache">,
  tx: Queryable,
  change: KeyChange,
): Promise<void> {
  if (deps.db.dialect === "postgres") {
    await tx.query("SELECT pg_notify($1, $2)", [KEY_CHANGES_CHANNEL, JSON.stringify(change)]);
    return;
  }
  applyKeyChange(deps, change);
}

/** Stores a new key and announces it. */
export async function insertAnnounced(
  deps: Pick<ServiceDeps, "db" | "metrics" | "cache">,
  tx: Queryable,
  record: KeyRecord,
): Promise<void> {
  await insertKey(tx, record);
  await announceKeyChange(deps, tx, {
    id: record.id,
    environment: record.environment,
    from: null,
    to: record.status,
  });
}

/** Writes a changed key back and announces the change. */
export async function saveAnnounced(
  deps: Pick<ServiceDeps, "db" | "metrics" | "cache">,
  tx: Queryable,
  record: KeyRecord,
): Promise<void> {
  const was = await saveKey(tx, record);
  await announceKeyChange(deps, tx, {
    id: record.id,
    environment: record.environment,
    from: was ?? null,
    to: record.status,
  });
}

/** What a node does with a change it learns of: forget the cached record, move the gauge. */
export function applyKeyChange(deps: Pick<ServiceDeps, "metrics" | "cache">, change: KeyChange): void {
  deps.cache.invalidate(change.id);
  if (change.from === change.to) return;
  if (change.from !== null) deps.metrics.keys.dec({ environment: change.environment, status: change.from });
  deps.metrics.keys.inc({ environment: change.environment, status: change.to });
}

export function parseKeyChange(payload: string): KeyChange | undefined {
  try {
    const value = JSON.parse(payload) as Partial<KeyChange>;
    return typeof value.id === "string" &&
      typeof value.environment === "string" &&
      typeof value.to === "string"
      ? { id: value.id, environment: value.environment, from: value.from ?? null, to: value.to }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Sets the gauge from one count of the table: at start and whenever changes may have been missed. */
export function resetKeyCounts(deps: Pick<ServiceDeps, "metrics">, counts: Record<string, number>): void {
  deps.metrics.keys.reset();
  for (const [label, n] of Object.entries(counts)) {
    const [environment = "", status = ""] = label.split("/");
    deps.metrics.keys.set({ environment, status }, n);
  }
}
