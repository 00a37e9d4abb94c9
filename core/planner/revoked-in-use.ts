// A key of this ApiKey's that the keys service has revoked or expired is still being presented: some
// consumer never picked up the new key (or someone holds a leaked one). The keys service audits such
// attempts (at most one event per key per minute); the controller reads them incrementally and asks here
// whether a person should hear of it. Pure: facts in, a Warning or nothing out.
import { isOwnKey } from "./own-keys.ts";
import { REASONS } from "./reasons.ts";
import type { KeyRecord, Notice, Snapshot } from "./types.ts";

/** One audited presentation of a revoked or expired key (never its value). */
export interface RevokedKeyUse {
  keyId: string;
  /** Epoch milliseconds of the attempt. */
  at: number;
  requestId: string | null;
  ip: string | null;
  /** The key's state when presented: revoked or expired. */
  keyStatus: string;
}

type Owner = Pick<Snapshot, "clusterId"> & { object: Pick<Snapshot["object"], "uid" | "namespace" | "name"> };

/**
 * A Warning when `key` is this ApiKey's by its metadata (status is never trusted for that) and the use
 * came after the key stopped working; nothing for a key that is not this ApiKey's or still works.
 */
export function revokedKeyInUseNotice(
  use: RevokedKeyUse,
  key: KeyRecord | undefined,
  owner: Owner,
): Notice | undefined {
  if (key === undefined || key.id !== use.keyId || !isOwnKey(key, owner)) return undefined;
  if (use.keyStatus !== "revoked" && use.keyStatus !== "expired") return undefined;
  const from = use.ip === null ? "" : ` from ${use.ip}`;
  const request = use.requestId === null ? "" : ` (request ${use.requestId})`;
  return {
    type: "Warning",
    reason: REASONS.RevokedKeyInUse,
    message:
      `key ${key.id} (${key.redacted}) is ${use.keyStatus} but was presented at ${new Date(use.at).toISOString()}` +
      `${from}${request}: a consumer still uses the old key; point it at the Secret's current key, ` +
      "or treat it as a leak (quote the request id to support)",
  };
}
