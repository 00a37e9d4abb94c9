// What the controller knows about the keys it minted, from one `updated_after` list per drift interval and
// from its own calls: status per key id and the active keys per ApiKey uid (to find strays). No values.
import type { ApiKey, KeyStatus } from "../../core/client/types.ts";
import { KEY_METADATA, type KeyFact } from "../../core/planner/types.ts";

interface Entry {
  status: KeyStatus;
  uid: string | undefined;
  updatedAt: string;
  name: string;
}

export class KeyFacts {
  readonly #byId = new Map<string, Entry>();
  readonly #byUid = new Map<string, Set<string>>();
  /** True once a full list has answered: an id absent from it is then known to be missing. */
  complete = false;

  /** Records a key as the keys API reported it; returns true when its status changed. */
  observe(key: Pick<ApiKey, "id" | "status" | "metadata" | "updated_at" | "name">): boolean {
    const uid = key.metadata?.[KEY_METADATA.uid];
    const before = this.#byId.get(key.id);
    if (before !== undefined && before.updatedAt > key.updated_at) return false;
    this.#byId.set(key.id, { status: key.status, uid, updatedAt: key.updated_at, name: key.name });
    if (uid !== undefined) {
      const ids = this.#byUid.get(uid) ?? new Set<string>();
      this.#byUid.set(uid, ids);
      ids.add(key.id);
    }
    return before?.status !== key.status;
  }

  /** After our own revocation: the key is revoked now, whatever the next list says about earlier times. */
  markRevoked(id: string): void {
    const entry = this.#byId.get(id);
    if (entry !== undefined) entry.status = "revoked";
  }

  fact(id: string): KeyFact | undefined {
    const entry = this.#byId.get(id);
    if (entry !== undefined) return { status: entry.status, name: entry.name };
    return this.complete ? { status: "missing" } : undefined;
  }

  uidOf(id: string): string | undefined {
    return this.#byId.get(id)?.uid;
  }

  /** Active keys minted for `uid` that are not among `known`. */
  strays(uid: string, known: readonly string[]): string[] {
    const ids = this.#byUid.get(uid);
    if (ids === undefined) return [];
    return [...ids].filter((id) => !known.includes(id) && this.#byId.get(id)?.status === "active");
  }

  get size(): number {
    return this.#byId.size;
  }

  countByStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.#byId.values()) counts[e.status] = (counts[e.status] ?? 0) + 1;
    return counts;
  }
}
