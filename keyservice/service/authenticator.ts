// Turning a presented key into a stored record: the hot path of every request and every introspection.
// Malformed keys (prefix, length, alphabet, checksum) are refused before any lookup; well-formed ones are
// looked up by HMAC digest (one per keyring HMAC key), through the cache first.
import { timingSafeEqual } from "node:crypto";
import { parseKey } from "../../core/domain/index.ts";
import { isUsable, type KeyRecord } from "../keys/key-record.ts";
import { findByDigest } from "../keys/key-repository.ts";
import type { ServiceDeps } from "./context.ts";

/** The usable record for `presented`, or undefined — never why (forged, malformed, revoked and expired look alike). */
export async function lookupKey(deps: ServiceDeps, presented: string): Promise<KeyRecord | undefined> {
  if (parseKey(presented) === undefined) return undefined;
  const now = deps.now();
  const candidates = deps.keyring.candidateDigests(presented);
  let record: KeyRecord | undefined;
  let expected = "";
  for (const c of candidates) {
    record = deps.cache.get(c.digest, now);
    expected = c.digest;
    if (record) break;
  }
  if (!record) {
    for (const c of candidates) {
      record = await findByDigest(deps.db, c.kid, c.digest);
      expected = c.digest;
      if (record) {
        deps.cache.set(record, now);
        break;
      }
    }
  }
  if (!record || !sameDigest(record.digest, expected) || !isUsable(record, deps.now())) return undefined;
  return record;
}

/** The lookup found the row by its digest; the final equality check still runs in constant time. */
function sameDigest(stored: string, computed: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(computed);
  return a.length === b.length && timingSafeEqual(a, b);
}
