// Which keys to revoke when an ApiKey is gone: on its delete event, and in the sweep that runs after every
// relist of ApiKeys (a delete the controller missed while it was down). Pure. The sweep revokes a key only
// when everything it relies on is proven: the key names this controller's really resolved cluster id and a
// namespace it watches, the key recorded deletion policy Revoke at mint, and no ApiKey with its uid exists.
import { MANAGED_BY, readKeyMetadata } from "../keys/key-metadata.ts";
import type { KeyRecord } from "./types.ts";

/**
 * Relists can race with creates, and our clock with the keys service's: keys minted less than this before a
 * relist began are left to the next sweep.
 */
export const SWEEP_MARGIN_MS = 10_000;

const live = (k: KeyRecord) => k.status === "active" || k.status === "expiring";

/** On a delete event: the deleted ApiKey's live keys, unless its last spec said Retain. */
export function keysToRetire(
  owner: { clusterId: string; namespace: string; name: string; uid: string },
  spec: unknown,
  keys: readonly KeyRecord[],
): string[] {
  const policy =
    typeof spec === "object" && spec !== null
      ? (spec as { deletionPolicy?: unknown }).deletionPolicy
      : undefined;
  if (policy === "Retain") return [];
  return keys
    .filter(
      (k) =>
        live(k) &&
        readKeyMetadata(k.metadata, "managedBy") === MANAGED_BY.controller &&
        readKeyMetadata(k.metadata, "cluster") === owner.clusterId &&
        readKeyMetadata(k.metadata, "namespace") === owner.namespace &&
        readKeyMetadata(k.metadata, "name") === owner.name &&
        readKeyMetadata(k.metadata, "uid") === owner.uid,
    )
    .map((k) => k.id);
}

export interface SweepScope {
  /** Undefined when the cluster id is a fallback: the sweep then revokes nothing. */
  clusterId: string | undefined;
  /** The one namespace watched, or undefined for all. */
  namespace: string | undefined;
  /** ApiKey uids that exist (the informer's cache after a relist). */
  exists: (uid: string) => boolean;
  /** When the relist began: keys minted after it may belong to an ApiKey the list did not show yet. */
  listedAt: number;
}

/** Keys of ApiKeys that no longer exist. */
export function strayKeysOfDeleted(scope: SweepScope, keys: Iterable<KeyRecord>): string[] {
  const ids: string[] = [];
  for (const k of keys) if (isStray(scope, k) && k.createdAt < scope.listedAt) ids.push(k.id);
  return ids;
}

/**
 * When to sweep again: the first instant the youngest key left alone only for its age is old enough (past
 * its `createdAt` plus `marginMs`), or null when no key waits. Without it such a key would wait for the next relist.
 */
export function nextSweepAt(scope: SweepScope, keys: Iterable<KeyRecord>, marginMs: number): number | null {
  let at: number | null = null;
  for (const k of keys)
    if (isStray(scope, k) && k.createdAt >= scope.listedAt)
      at = Math.max(at ?? 0, k.createdAt + marginMs + 1);
  return at;
}

function isStray(scope: SweepScope, k: KeyRecord): boolean {
  if (scope.clusterId === undefined) return false;
  const m = k.metadata;
  const uid = readKeyMetadata(m, "uid");
  const namespace = readKeyMetadata(m, "namespace");
  return (
    live(k) &&
    uid !== undefined &&
    namespace !== undefined &&
    readKeyMetadata(m, "managedBy") === MANAGED_BY.controller &&
    readKeyMetadata(m, "cluster") === scope.clusterId &&
    (scope.namespace === undefined || namespace === scope.namespace) &&
    // Keys minted before the policy was recorded are never swept: their owner may have said Retain.
    readKeyMetadata(m, "deletionPolicy") === "Revoke" &&
    !scope.exists(uid)
  );
}
