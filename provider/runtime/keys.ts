// The keys-API side of a slot: what a new key is asked for (name, scopes, expiry, metadata), and the calls the
// lifecycle shares — revoking without minding a key that is already gone, and sweeping strays.
import { createHash } from "node:crypto";
import {
  type ApiKey,
  type CreateApiKeyRequest,
  isKeysApiError,
  type KeysClient,
  type Metadata,
  type RevocationReason,
} from "../../core/client/index.ts";
import { parseDuration } from "../../core/domain/index.ts";
import type { ProviderLog } from "./log.ts";
import type { ApiKeyInputs } from "./state.ts";

/** Metadata every key this provider mints carries; `pulumi-urn` names its slot, `pulumi-stack` its stack. */
export const METADATA_KEYS = {
  managedBy: "managed-by",
  slot: "pulumi-urn",
  stack: "pulumi-stack",
  owner: "owner",
  purpose: "purpose",
  description: "description",
} as const;
export const MANAGED_BY = "ayra-keys-pulumi";

const MAX_METADATA_VALUE = 500;

/** The slot as a metadata value: the URN, or its digest when a deep URN exceeds the API's 500 characters. */
export function slotValue(slot: string): string {
  if (slot.length <= MAX_METADATA_VALUE) return slot;
  return `sha256:${createHash("sha256").update(slot).digest("hex")}`;
}

function clip(text: string): string {
  return text.length <= MAX_METADATA_VALUE ? text : `${text.slice(0, MAX_METADATA_VALUE - 1)}…`;
}

export function metadataFor(inputs: ApiKeyInputs): Metadata {
  const metadata: Metadata = {
    [METADATA_KEYS.managedBy]: MANAGED_BY,
    [METADATA_KEYS.slot]: slotValue(inputs.slot),
    [METADATA_KEYS.stack]: slotValue(stackOf(inputs.slot)),
  };
  if (inputs.owner !== undefined) metadata[METADATA_KEYS.owner] = clip(inputs.owner);
  if (inputs.purpose !== undefined) metadata[METADATA_KEYS.purpose] = clip(inputs.purpose);
  if (inputs.description !== undefined) metadata[METADATA_KEYS.description] = clip(inputs.description);
  return metadata;
}

/** The expiry of a key minted at `now`: the fixed instant, a fresh lifetime, or none. */
export function expiryFor(inputs: ApiKeyInputs, now: number): string | null {
  if (inputs.expiresAt !== undefined) return inputs.expiresAt;
  if (inputs.expiresAfter !== undefined)
    return new Date(now + parseDuration(inputs.expiresAfter)).toISOString();
  return null;
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

/** Revokes, treating "already revoked", "expired" and "unknown id" as done: the key does not work either way. */
export async function revokeIfLive(
  client: KeysClient,
  id: string,
  body: { reason: RevocationReason; note?: string; effective_at?: string },
): Promise<{ expiringAt: string | null } | undefined> {
  try {
    const key = await client.revokeKey(id, body);
    return { expiringAt: key.status === "expiring" ? key.expiring_at : null };
  } catch (error) {
    if (
      isKeysApiError(error, "key_already_revoked") ||
      isKeysApiError(error, "key_not_active") ||
      isKeysApiError(error, "resource_missing")
    )
      return undefined;
    throw error;
  }
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
        const keys: ApiKey[] = [];
        const metadata = { [METADATA_KEYS.stack]: slotValue(stack) };
        const query = { metadata, status: "active" as const, limit: 100 };
        for await (const key of client().listAllKeys(query)) keys.push(key);
        return keys;
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
        .filter((key) => key.metadata[METADATA_KEYS.slot] === value)
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
    await revokeIfLive(client, id, {
      reason: "unused",
      note: "stray key of a Pulumi ApiKey from an interrupted run; its value was never recorded",
    });
    log.warn("revoked a stray key of this slot", { slot, keyId: id });
  }
  return strays;
}
