// Status is output, never a command (DESIGN, contract 2). What status claims about keys is checked against
// the keys service: a key is this ApiKey's only when its metadata names it. Claims that do not hold are
// dropped and named in a Warning, and the current key is recovered from what the keys service proves.
import { isOwnKey } from "./own-keys.ts";
import { REASONS } from "./reasons.ts";
import { keyFields, withoutLegacy } from "./status.ts";
import type { ApiKeyStatus, KeyRecord, Notice, PreviousKey, Snapshot } from "./types.ts";

export interface TrustedView {
  /** This ApiKey's keys. */
  own: KeyRecord[];
  /** The key in use: the one status names if it is ours, else the one the Secret holds if it is ours. */
  current: KeyRecord | undefined;
  /** Previous keys from status that are ours. */
  previous: PreviousKey[];
  /** Status with every claim the keys service does not back removed, and the key fields from the record. */
  status: ApiKeyStatus;
  /** Warnings naming what was dropped. */
  notices: Notice[];
}

const warn = (message: string): Notice => ({ type: "Warning", reason: REASONS.StatusNotTrusted, message });

export function trustedView(s: Snapshot, keys: KeyRecord[]): TrustedView {
  const own = keys.filter((k) => isOwnKey(k, s));
  const ownById = new Map(own.map((k) => [k.id, k]));
  const status = s.status;
  const notices: Notice[] = [];
  if (status.pending !== undefined && status.pending !== null)
    notices.push(
      warn(
        `status.pending (${describePending(status.pending)}) is not acted on: what to mint, roll or revoke is decided from the spec, the policy verdict and this ApiKey's own keys; discarded.`,
      ),
    );
  const claimed = status.keyId;
  let current = claimed === undefined ? undefined : ownById.get(claimed);
  if (claimed !== undefined && current === undefined)
    notices.push(
      warn(`status.keyId ${claimed} is not a key of this ApiKey (its metadata does not name it); ignored.`),
    );
  if (current === undefined && s.secret.state === "owned" && s.secret.currentIntact) {
    // The Secret names a key: trusted only if the keys service says it is ours and its value is intact.
    const held = s.secret.keyId === undefined ? undefined : ownById.get(s.secret.keyId);
    if (held !== undefined && (held.status === "active" || held.status === "expiring")) current = held;
  }
  const previous: PreviousKey[] = [];
  for (const p of status.previousKeys ?? []) {
    if (ownById.has(p.keyId) && p.keyId !== current?.id) previous.push(p);
    else if (!ownById.has(p.keyId))
      notices.push(warn(`status.previousKeys names ${p.keyId}, which is not a key of this ApiKey; ignored.`));
  }
  const clean: ApiKeyStatus = withoutLegacy(status);
  delete clean.keyId;
  delete clean.redacted;
  delete clean.createdAt;
  delete clean.expiresAt;
  Object.assign(clean, current === undefined ? {} : keyFields(current));
  clean.previousKeys = previous;
  return { own, current, previous, status: clean, notices };
}

/** What a recorded intent asked for, in a few words (ids and names only: status never holds a value). */
function describePending(pending: unknown): string {
  if (typeof pending !== "object" || pending === null) return "not an intent";
  const p = pending as {
    operation?: unknown;
    fromKeyId?: unknown;
    revokeKeyIds?: unknown;
    applied?: unknown;
  };
  const words: string[] = [];
  const word = (v: unknown) => (typeof v === "string" ? v.slice(0, 64) : undefined);
  words.push(p.operation === "Roll" ? `a roll of ${word(p.fromKeyId) ?? "a key"}` : "a create");
  const applied = p.applied as { environment?: unknown; scopes?: unknown } | undefined;
  if (applied !== undefined && typeof applied === "object" && applied !== null) {
    const scopes = Array.isArray(applied.scopes) ? applied.scopes.filter((x) => typeof x === "string") : [];
    words.push(`as ${word(applied.environment) ?? "?"} ${scopes.slice(0, 11).join(",")}`.trim());
  }
  if (Array.isArray(p.revokeKeyIds) && p.revokeKeyIds.length > 0)
    words.push(`revoking ${p.revokeKeyIds.slice(0, 10).map(word).join(", ")}`);
  return words.join(", ");
}
