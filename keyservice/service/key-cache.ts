// Key records by digest, for the authentication and introspection hot path. Every write through this
// process invalidates its entry at once; writes by other nodes sharing one PostgreSQL are picked up by
// cache-sync.ts. The TTL only bounds memory held by keys no longer presented.
import type { KeyRecord } from "../keys/key-record.ts";

export class KeyCache {
  readonly #byDigest = new Map<string, { record: KeyRecord; until: number }>();
  readonly #digestById = new Map<string, string>();
  readonly #ttlMs: number;
  readonly #max: number;
  #invalidations = 0;

  constructor(options: { ttlMs: number; maxEntries?: number }) {
    this.#ttlMs = options.ttlMs;
    this.#max = options.maxEntries ?? 200_000;
  }

  get(digest: string, now: number): KeyRecord | undefined {
    const hit = this.#byDigest.get(digest);
    if (!hit) return undefined;
    if (hit.until <= now) {
      this.#drop(digest, hit.record.id);
      return undefined;
    }
    return hit.record;
  }

  /** Read before a store lookup and pass to set(): a record read before an invalidation is not cached. */
  get generation(): number {
    return this.#invalidations;
  }

  set(record: KeyRecord, now: number, generation = this.#invalidations): void {
    // The lookup raced with a change (this node's or another's): its row may predate the change.
    if (generation !== this.#invalidations) return;
    if (this.#byDigest.size >= this.#max) {
      // Oldest insertion first: Map iteration order.
      const oldest = this.#byDigest.keys().next();
      if (!oldest.done) {
        const entry = this.#byDigest.get(oldest.value);
        this.#drop(oldest.value, entry?.record.id);
      }
    }
    this.#byDigest.set(record.digest, { record, until: now + this.#ttlMs });
    this.#digestById.set(record.id, record.digest);
  }

  invalidate(id: string): void {
    this.#invalidations++;
    const digest = this.#digestById.get(id);
    if (digest !== undefined) this.#drop(digest, id);
  }

  #drop(digest: string, id: string | undefined): void {
    this.#byDigest.delete(digest);
    if (id !== undefined) this.#digestById.delete(id);
  }
}
