// Turning a presented key into a stored record: the hot path of every request and every introspection.
// Malformed keys (prefix, length, alphabet, checksum) are refused before any lookup; well-formed ones are
// looked up by HMAC digest (one per keyring HMAC key), through the cache first. A cache hit completes
// synchronously: at tens of thousands of lookups a second, each avoided await is measurable.
import { timingSafeEqual } from "node:crypto";
import { parseKey } from "../../core/domain/index.ts";
import { isUsable, type KeyRecord } from "../keys/key-record.ts";
import { findByDigest } from "../keys/key-repository.ts";
import type { ServiceDeps } from "./context.ts";

/**
 * The usable record for `presented`, or undefined — never why (forged, malformed, revoked and expired
 * look alike). A promise only when the store must be asked.
 */
export function lookupKey(
  deps: ServiceDeps,
  presented: string,
): KeyRecord | undefined | Promise<KeyRecord | undefined> {
  if (parseKey(presented) === undefined) return undefined;
  const now = deps.now();
  const candidates = deps.keyring.candidateDigests(presented);
  for (const c of candidates) {
    // A Map hit on the digest string is exact equality already.
    const cached = deps.cache.get(c.digest, now);
    if (cached) return isUsable(cached, now) ? cached : undefined;
  }
  return lookupStored(deps, candidates).then((found) => found ?? afterRotation(deps, presented, candidates));
}

/** A miss may be a key minted under an HMAC key another node took first: retry once the keyring has it. */
async function afterRotation(
  deps: ServiceDeps,
  presented: string,
  tried: { kid: string }[],
): Promise<KeyRecord | undefined> {
  await deps.keyring.refresh();
  if (deps.keyring.hmacIds.every((kid) => tried.some((t) => t.kid === kid))) return undefined;
  return lookupStored(deps, deps.keyring.candidateDigests(presented));
}

async function lookupStored(
  deps: ServiceDeps,
  candidates: { kid: string; digest: string }[],
): Promise<KeyRecord | undefined> {
  const generation = deps.cache.generation;
  for (const c of candidates) {
    const record = await findByDigest(deps.db, c.kid, c.digest);
    if (!record) continue;
    const now = deps.now();
    deps.cache.set(record, now, generation);
    return sameDigest(record.digest, c.digest) && isUsable(record, now) ? record : undefined;
  }
  return undefined;
}

/** The store found the row by its digest; the final equality check still runs in constant time. */
function sameDigest(stored: string, computed: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(computed);
  return a.length === b.length && timingSafeEqual(a, b);
}
