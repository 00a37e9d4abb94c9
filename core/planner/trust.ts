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
        "status.pending is not acted on: what to mint, roll or revoke is decided from the spec, the policy verdict and this ApiKey's own keys; discarded.",
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
