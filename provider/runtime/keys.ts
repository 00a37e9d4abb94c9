// The keys-API side of a slot: what a new key is asked for (name, scopes, expiry, metadata), and the calls the
// lifecycle shares — revoking without minding a key that is already gone, and sweeping strays.
import { createHash } from "node:crypto";
import type { ApiKey, CreateApiKeyRequest, KeysClient, Metadata } from "../../core/client/index.ts";
import { revokeUnlessGone } from "../../core/client/revoke-unless-gone.ts";
import {
  KEY_METADATA,
  type KeyMetadataField,
  MANAGED_BY,
  metadataSpellings,
  readKeyMetadata,
} from "../../core/keys/key-metadata.ts";
import { expiryFor as expiryMsFor } from "../../core/rotation/index.ts";
import type { ProviderLog } from "./log.ts";
import type { ApiKeyInputs } from "./state.ts";

const MAX_METADATA_VALUE = 500;

/** The slot as a metadata value: the URN, or its digest when a deep URN exceeds the API's 500 characters. */
export function slotValue(slot: string): string {
  if (slot.length <= MAX_METADATA_VALUE) return slot;
  return `sha256:${createHash("sha256").update(slot).digest("hex")}`;
}

function clip(text: string): string {
  return text.length <= MAX_METADATA_VALUE ? text : `${text.slice(0, MAX_METADATA_VALUE - 1)}…`;
}

/** Metadata every key this provider mints carries: `pulumi_urn` names its slot, `pulumi_stack` its stack. */
export function metadataFor(inputs: ApiKeyInputs): Metadata {
  const metadata: Metadata = {
    [KEY_METADATA.managedBy]: MANAGED_BY.pulumi,
    [KEY_METADATA.pulumiUrn]: slotValue(inputs.slot),
    [KEY_METADATA.pulumiStack]: slotValue(stackOf(inputs.slot)),
  };
  if (inputs.owner !== undefined) metadata[KEY_METADATA.owner] = clip(inputs.owner);
  if (inputs.purpose !== undefined) metadata[KEY_METADATA.purpose] = clip(inputs.purpose);
  if (inputs.description !== undefined) metadata[KEY_METADATA.description] = clip(inputs.description);
  return metadata;
}

const SLOT_FIELDS: readonly KeyMetadataField[] = [
  "managedBy",
  "pulumiUrn",
  "pulumiStack",
  "owner",
  "purpose",
  "description",
];

/**
 * Whether a key's metadata says what `wanted` says, whichever spelling it carries: a key minted under the
 * legacy names (`managed-by`, `pulumi-urn`, `pulumi-stack`) is not rewritten just for the spelling.
 */
export function sameSlotMetadata(actual: Readonly<Record<string, string>>, wanted: Metadata): boolean {
  return SLOT_FIELDS.every((field) => readKeyMetadata(actual, field) === readKeyMetadata(wanted, field));
}

/** The expiry of a key minted at `now`: the fixed instant, a fresh lifetime, or none (RFC 3339). */
export function expiryFor(inputs: ApiKeyInputs, now: number): string | null {
  const at = expiryMsFor(inputs, now);
  return at === null ? null : new Date(at).toISOString();
}

export function createBody(inputs: ApiKeyInputs, now: number): CreateApiKeyRequest {
  const body: CreateApiKeyRequest = {
    name: inputs.displayName,
    environment: inputs.environment,
    scopes: inputs.scopes,
    metadata: metadataFor(inputs),
  };
  const expiresAt = expiryFor(inputs, now);
  if (expiresAt !== null) body.expires_at = expiresAt;
  return body;
}

/** The stack part of a slot's URN, `urn:pulumi:<stack>::<project>`: every key of a stack carries it. */
export function stackOf(slot: string): string {
  return slot.split("::").slice(0, 2).join("::");
}

export interface StrayFinder {
  /** Active keys of `slot` that this process did not mint and the state does not hold (`keep`). */
  strays(slot: string, keep: readonly string[]): Promise<string[]>;
  /** Records a key this process minted: never a stray, whatever a listing taken earlier says. */
  minted(id: string): void;
}

/**
 * Strays come from an earlier run that crashed between the keys API's answer and the state write, so they exist
 * before this run starts: one listing of the stack's active keys per provider process finds them all (a key
 * this process mints later is never one). One keys-API call per run instead of one per resource.
 */
export function createStrayFinder(client: () => KeysClient): StrayFinder {
  const listings = new Map<string, Promise<ApiKey[]>>();
  const mintedHere = new Set<string>();
  const listing = (stack: string): Promise<ApiKey[]> => {
    let found = listings.get(stack);
    if (found === undefined) {
      found = (async () => {
        // Keys minted by earlier releases carry the legacy spelling: list by each, once.
        const keys = new Map<string, ApiKey>();
        for (const name of metadataSpellings("pulumiStack")) {
          const query = { metadata: { [name]: slotValue(stack) }, status: "active" as const, limit: 100 };
          for await (const key of client().listAllKeys(query)) keys.set(key.id, key);
        }
        return [...keys.values()];
      })();
      // A failed listing is not remembered: the next sweep asks again.
      found.catch(() => listings.delete(stack));
      listings.set(stack, found);
    }
    return found;
  };
  return {
    async strays(slot, keep) {
      const value = slotValue(slot);
      const keys = await listing(stackOf(slot));
      return keys
        .filter((key) => readKeyMetadata(key.metadata, "pulumiUrn") === value)
        .map((key) => key.id)
        .filter((id) => !keep.includes(id) && !mintedHere.has(id));
    },
    minted(id) {
      mintedHere.add(id);
    },
  };
}

/** Revokes the slot's strays at once: nobody ever received their value. */
export async function sweepStrays(
  client: KeysClient,
  finder: StrayFinder,
  log: ProviderLog,
  slot: string,
  keep: readonly string[],
): Promise<string[]> {
  const strays = await finder.strays(slot, keep);
  for (const id of strays) {
    await revokeUnlessGone(client, id, {
      reason: "unused",
      note: "stray key of a Pulumi ApiKey from an interrupted run; its value was never recorded",
    });
    log.warn("revoked a stray key of this slot", { slot, keyId: id });
  }
  return strays;
}
