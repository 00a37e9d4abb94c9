// Ownership metadata (core/keys/key-metadata.ts) is fixed at create: controllers and sweeps act on a key
// because its metadata names them, so an edit that could rewrite it would let anyone with write access hand
// a key to (or take it from) an owner.
import {
  KEY_METADATA,
  type KeyMetadataField,
  LEGACY_KEY_METADATA,
  OWNERSHIP_METADATA_KEYS,
  readKeyMetadata,
} from "../../core/keys/key-metadata.ts";
import { ServiceError } from "./service-error.ts";

type Metadata = Readonly<Record<string, string>>;

function fieldOf(name: string): KeyMetadataField | undefined {
  for (const [field, current] of Object.entries(KEY_METADATA) as [KeyMetadataField, string][])
    if (current === name || LEGACY_KEY_METADATA[field]?.includes(name)) return field;
  return undefined;
}

/**
 * The first ownership name whose value `next` adds, changes or removes, if any. Respelling a legacy name to
 * the current one (same value) is not a change: every reader reads either spelling.
 */
export function changedOwnershipMetadata(before: Metadata, next: Metadata): string | undefined {
  for (const name of OWNERSHIP_METADATA_KEYS) {
    if (before[name] === next[name]) continue;
    const field = fieldOf(name);
    const value = field === undefined ? undefined : readKeyMetadata(before, field);
    const respelled =
      field !== undefined &&
      value === readKeyMetadata(next, field) &&
      (next[name] === undefined || next[name] === value);
    if (!respelled) return name;
  }
  return undefined;
}

export function requireOwnershipUnchanged(before: Metadata, next: Metadata): void {
  const name = changedOwnershipMetadata(before, next);
  if (name !== undefined)
    throw new ServiceError(
      "immutable_field",
      `metadata.${name} says who owns this key and cannot be added, changed or removed after create; send the key's current value (or leave metadata out). To change the owner, create a new key.`,
      { param: `metadata.${name}` },
    );
}
