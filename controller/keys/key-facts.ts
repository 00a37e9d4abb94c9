// What the controller knows about the keys it minted, from one `updated_after` list per drift interval and
// from its own calls: the keys service's record of each key (never its value), by id and by ApiKey uid.
// The planner decides from these records which keys are an ApiKey's; nothing here is read from status.
import type { ApiKey } from "../../core/client/types.ts";
import { readKeyMetadata } from "../../core/keys/key-metadata.ts";
import type { KeyRecord, KeyVerification } from "../../core/planner/types.ts";

type Observed = Pick<
  ApiKey,
  | "id"
  | "status"
  | "name"
  | "environment"
  | "scopes"
  | "redacted"
  | "created_at"
  | "updated_at"
  | "expires_at"
  | "rolled_from"
  | "metadata"
>;

interface Entry {
  record: KeyRecord;
  uid: string | undefined;
  updatedAt: string;
}

export class KeyFacts {
  readonly #byId = new Map<string, Entry>();
  readonly #byUid = new Map<string, Set<string>>();
  /** This process's checks that a key introspects active (the verify step), by key id. */
  readonly #verified = new Map<string, KeyVerification>();
  /** True once a full list has answered: every key of this controller is then known. */
  complete = false;

  /** Records a key as the keys API reported it (a minted key's secret is not kept); true when its status changed. */
  observe(key: Observed): boolean {
    const uid = readKeyMetadata(key.metadata, "uid");
    const before = this.#byId.get(key.id);
    if (before !== undefined && before.updatedAt > key.updated_at) return false;
    const record: KeyRecord = {
      id: key.id,
      status: key.status,
      name: key.name,
      environment: key.environment,
      scopes: [...key.scopes],
      redacted: key.redacted,
      createdAt: Date.parse(key.created_at),
      expiresAt: key.expires_at === null ? null : Date.parse(key.expires_at),
      rolledFrom: key.rolled_from,
      metadata: { ...key.metadata },
    };
    this.#byId.set(key.id, { record, uid, updatedAt: key.updated_at });
    if (uid !== undefined) {
      const ids = this.#byUid.get(uid) ?? new Set<string>();
      this.#byUid.set(uid, ids);
      ids.add(key.id);
    }
    return before?.record.status !== key.status;
  }

  /** After our own revocation: the key is revoked now, whatever the next list says about earlier times. */
  markRevoked(id: string): void {
    const entry = this.#byId.get(id);
    if (entry !== undefined) entry.record = { ...entry.record, status: "revoked" };
  }

  record(id: string): KeyRecord | undefined {
    return this.#byId.get(id)?.record;
  }

  /** Every key whose metadata names `uid` (the planner checks the rest of the ownership). */
  recordsFor(uid: string): KeyRecord[] {
    return [...(this.#byUid.get(uid) ?? [])].flatMap((id) => this.#byId.get(id)?.record ?? []);
  }

  /** Every key known. */
  all(): IterableIterator<KeyRecord> {
    return [...this.#byId.values()].map((e) => e.record)[Symbol.iterator]();
  }

  uidOf(id: string): string | undefined {
    return this.#byId.get(id)?.uid;
  }

  /** Forgets the keys of an ApiKey that is gone and whose keys are all retired (bounded memory). */
  forget(uid: string): void {
    for (const id of this.#byUid.get(uid) ?? []) {
      this.#byId.delete(id);
      this.#verified.delete(id);
    }
    this.#byUid.delete(uid);
  }

  /** Records a check of a key; failures count the inactive answers in a row. */
  verified(id: string, result: { active: boolean; at: number }): KeyVerification {
    const failures = result.active ? 0 : (this.#verified.get(id)?.failures ?? 0) + 1;
    const v: KeyVerification = { keyId: id, active: result.active, at: result.at, failures };
    this.#verified.set(id, v);
    return v;
  }

  verification(id: string): KeyVerification | undefined {
    return this.#verified.get(id);
  }

  get size(): number {
    return this.#byId.size;
  }

  countByStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.#byId.values()) counts[e.record.status] = (counts[e.record.status] ?? 0) + 1;
    return counts;
  }
}
