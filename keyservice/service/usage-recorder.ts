// Usage counted in memory and written in batches: one transaction per flush interval, whatever the request
// rate. last_used_at only ever moves forward, and never touches updated_at (usage is not a change of state).
import type { Database } from "../store/database.ts";
import { RefusedKeyRecorder } from "./refused-keys.ts";

const HOUR_MS = 3_600_000;

export class UsageRecorder {
  readonly #db: Database;
  #pending = new Map<string, { last: number; hours: Map<number, number> }>();
  /** Revoked and expired keys still presented: counted and flushed alongside usage. */
  readonly refused: RefusedKeyRecorder;

  constructor(db: Database) {
    this.#db = db;
    this.refused = new RefusedKeyRecorder(db);
  }

  record(keyId: string, now: number): void {
    let entry = this.#pending.get(keyId);
    if (!entry) {
      entry = { last: now, hours: new Map() };
      this.#pending.set(keyId, entry);
    }
    if (now > entry.last) entry.last = now;
    const hour = now - (now % HOUR_MS);
    entry.hours.set(hour, (entry.hours.get(hour) ?? 0) + 1);
  }

  get pendingKeys(): number {
    return this.#pending.size;
  }

  /** Writes what was counted since the last flush; counts that fail to write are kept for the next one. */
  async flush(): Promise<void> {
    await this.refused.flush();
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      await this.#db.transaction(async (tx) => {
        for (const [keyId, entry] of batch) {
          await tx.run(
            "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)",
            [keyId, entry.last],
          );
          for (const [hour, count] of entry.hours) {
            await tx.run(
              `INSERT INTO usage_hourly (key_id, hour, count) VALUES ($1, $2, $3)
               ON CONFLICT (key_id, hour) DO UPDATE SET count = usage_hourly.count + excluded.count`,
              [keyId, hour, count],
            );
          }
        }
      });
    } catch (err) {
      // Put the batch back so the next flush writes it; nothing counted is lost.
      for (const [keyId, entry] of batch) {
        const current = this.#pending.get(keyId);
        if (!current) {
          this.#pending.set(keyId, entry);
          continue;
        }
        current.last = Math.max(current.last, entry.last);
        for (const [hour, count] of entry.hours)
          current.hours.set(hour, (current.hours.get(hour) ?? 0) + count);
      }
      throw err;
    }
  }
}
