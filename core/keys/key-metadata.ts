// The one vocabulary for the metadata ayra-keys writes on the keys it mints. The controller, the Pulumi
// provider, the keys service (which keeps ownership metadata immutable) and the sweep all read it from here.
export const API_GROUP = "keys.ayra.ai";

/** Metadata names, one spelling (the keys API's snake_case). */
export const KEY_METADATA = {
  managedBy: "managed_by",
  cluster: "k8s_cluster",
  namespace: "k8s_namespace",
  name: "k8s_name",
  uid: "k8s_uid",
  pulumiStack: "pulumi_stack",
  pulumiUrn: "pulumi_urn",
  owner: "owner",
  purpose: "purpose",
  description: "description",
  /** Revoke or Retain, written at mint and kept up to date (PATCH): a sweep never revokes a key its owner kept. */
  deletionPolicy: "deletion_policy",
} as const;
export type KeyMetadataField = keyof typeof KEY_METADATA;

/** Values of `managed_by`. */
export const MANAGED_BY = {
  controller: "ayra-keys-controller",
  pulumi: "ayra-keys-pulumi",
  /** Made by a person on the keys dashboard: nothing declares it, so the dashboard may edit it in place. */
  dashboard: "ayra-keys-dashboard",
} as const;

/** Spellings written by earlier releases, still recognised when reading (never written). */
export const LEGACY_KEY_METADATA: Partial<Record<KeyMetadataField, readonly string[]>> = {
  managedBy: ["managed-by"],
  pulumiStack: ["pulumi-stack"],
  pulumiUrn: ["pulumi-urn"],
};

/**
 * The metadata that proves who owns a key: the controller and the sweep act on a key because of it, so the
 * keys service refuses to change it after create. Includes the legacy spellings.
 */
export const OWNERSHIP_METADATA_KEYS: readonly string[] = (
  ["managedBy", "cluster", "namespace", "name", "uid", "pulumiStack", "pulumiUrn"] as const
).flatMap((field) => [KEY_METADATA[field], ...(LEGACY_KEY_METADATA[field] ?? [])]);

/** Every spelling of a field, the current one first: for filters that must also find keys minted earlier. */
export function metadataSpellings(field: KeyMetadataField): string[] {
  return [KEY_METADATA[field], ...(LEGACY_KEY_METADATA[field] ?? [])];
}

/** A field's value, whichever spelling the key carries. */
export function readKeyMetadata(
  metadata: Readonly<Record<string, string>> | null | undefined,
  field: KeyMetadataField,
): string | undefined {
  if (!metadata) return undefined;
  for (const name of metadataSpellings(field)) {
    const value = metadata[name];
    if (value !== undefined) return value;
  }
  return undefined;
}
