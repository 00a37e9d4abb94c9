// Turning a presented key into a stored record: the hot path of every request and every introspection.
// Malformed keys (prefix, length, alphabet, checksum) are refused before any lookup; well-formed ones are
// looked up by HMAC digest (one per keyring HMAC key), through the cache first. A cache hit completes
// synchronously: at tens of thousands of lookups a second, each avoided await is measurable.
import { timingSafeEqual } from "node:crypto";
import { parseKey } from "../../core/domain/index.ts";
import { effectiveState, isUsable, type KeyRecord } from "../keys/key-record.ts";
import { findByDigest } from "../keys/key-repository.ts";
import type { ServiceDeps } from "./context.ts";

/** Told of a well-formed key that exists but no longer works (revoked or expired), as it stands now. */
export type OnRefusedKey = (record: KeyRecord) => void;

/**
 * The usable record for `presented`, or undefined — never why (forged, malformed, revoked and expired
 * look alike to the caller's caller). A promise only when the store must be asked. `onRefused` hears of
 * a stored key that is revoked or expired, so its continued use can be counted.
 */
export function lookupKey(
  deps: ServiceDeps,
  presented: string,
  onRefused?: OnRefusedKey,
): KeyRecord | undefined | Promise<KeyRecord | undefined> {
  if (parseKey(presented) === undefined) return undefined;
  const now = deps.now();
  const candidates = deps.keyring.candidateDigests(presented);
  for (const c of candidates) {
    // A Map hit on the digest string is exact equality already.
    const cached = deps.cache.get(c.digest, now);
    if (cached) return usableOrRefused(cached, now, onRefused);
  }
  return lookupStored(deps, candidates, onRefused).then(
    (found) => found ?? afterRotation(deps, presented, candidates, onRefused),
  );
}

function usableOrRefused(
  record: KeyRecord,
  now: number,
  onRefused: OnRefusedKey | undefined,
): KeyRecord | undefined {
  if (isUsable(record, now)) return record;
  onRefused?.(effectiveState(record, now));
  return undefined;
}

/** A miss may be a key minted under an HMAC key another node took first: retry once the keyring has it. */
async function afterRotation(
  deps: ServiceDeps,
  presented: string,
  tried: { kid: string }[],
  onRefused: OnRefusedKey | undefined,
): Promise<KeyRecord | undefined> {
  await deps.keyring.refresh();
  if (deps.keyring.hmacIds.every((kid) => tried.some((t) => t.kid === kid))) return undefined;
  return lookupStored(deps, deps.keyring.candidateDigests(presented), onRefused);
}

async function lookupStored(
  deps: ServiceDeps,
  candidates: { kid: string; digest: string }[],
  onRefused: OnRefusedKey | undefined,
): Promise<KeyRecord | undefined> {
  const generation = deps.cache.generation;
  for (const c of candidates) {
    const record = await findByDigest(deps.db, c.kid, c.digest);
    if (!record) continue;
    const now = deps.now();
    deps.cache.set(record, now, generation);
    return sameDigest(record.digest, c.digest) ? usableOrRefused(record, now, onRefused) : undefined;
  }
  return undefined;
}

/** The store found the row by its digest; the final equality check still runs in constant time. */
function sameDigest(stored: string, computed: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(computed);
  return a.length === b.length && timingSafeEqual(a, b);
}
