// Which keys are this ApiKey's: only a key whose metadata names it (cluster id, namespace, name, uid, and our
// managed_by) is ever rolled, revoked or patched. The keys service keeps that metadata immutable, so a
// tenant who may write the ApiKey's status, annotations or Secret cannot point the controller at another key.

import { KEY_METADATA, MANAGED_BY, readKeyMetadata } from "../keys/key-metadata.ts";
import { expiryFor } from "../rotation/deadlines.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import { SPEC_DEFAULTS } from "../spec/key-spec.ts";
import type { KeyRecord, Snapshot } from "./types.ts";

type Owner = Pick<Snapshot, "clusterId"> & { object: Pick<Snapshot["object"], "uid" | "namespace" | "name"> };

export function isOwnKey(key: KeyRecord, owner: Owner): boolean {
  const m = key.metadata;
  return (
    readKeyMetadata(m, "managedBy") === MANAGED_BY.controller &&
    readKeyMetadata(m, "cluster") === owner.clusterId &&
    readKeyMetadata(m, "namespace") === owner.object.namespace &&
    readKeyMetadata(m, "name") === owner.object.name &&
    readKeyMetadata(m, "uid") === owner.object.uid
  );
}

/** The metadata a key of this ApiKey carries: ownership (immutable), then the cosmetic fields from the spec. */
export function keyMetadataFor(owner: Owner, spec: KeySpec): Record<string, string> {
  const metadata: Record<string, string> = {
    [KEY_METADATA.managedBy]: MANAGED_BY.controller,
    [KEY_METADATA.cluster]: owner.clusterId,
    [KEY_METADATA.namespace]: owner.object.namespace,
    [KEY_METADATA.name]: owner.object.name,
    [KEY_METADATA.uid]: owner.object.uid,
    [KEY_METADATA.deletionPolicy]: spec.deletionPolicy ?? SPEC_DEFAULTS.deletionPolicy,
  };
  if (spec.owner) metadata[KEY_METADATA.owner] = spec.owner.slice(0, 500);
  if (spec.purpose) metadata[KEY_METADATA.purpose] = spec.purpose.slice(0, 500);
  return metadata;
}

/** Name, owner, purpose or deletion policy differ: a PATCH in place, never a new key. */
export function cosmeticDrift(key: KeyRecord, desired: Record<string, string>, name: string): boolean {
  if (key.name !== name) return true;
  for (const field of ["owner", "purpose", "deletionPolicy"] as const)
    if (readKeyMetadata(key.metadata, field) !== desired[KEY_METADATA[field]]) return true;
  return false;
}

/** Clock skew and latency between our `now` and the keys service's created_at. */
const LIFETIME_TOLERANCE_MS = 60_000;

/** Whether the key's expiry is what the spec asks for, had it been minted at its creation (core/rotation's rule). */
export function expiryMatches(key: Pick<KeyRecord, "createdAt" | "expiresAt">, spec: KeySpec): boolean {
  const wanted = expiryFor(spec, key.createdAt);
  if (wanted === null || key.expiresAt === null) return wanted === key.expiresAt;
  // A fixed instant is exact; a lifetime is measured from the service's created_at, not our clock.
  const tolerance = spec.expiresAt !== undefined ? 0 : LIFETIME_TOLERANCE_MS;
  return Math.abs(key.expiresAt - wanted) <= tolerance;
}

export function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s) => b.includes(s));
}
