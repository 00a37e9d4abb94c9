// What the controller's credential Secret records about its own rotation, in annotations: ids and times only,
// never a key value. A pending roll is written before the roll is sent, so a controller that dies between the
// roll and the write finds the Idempotency-Key to replay; the previous key is written with the new key, so its
// revocation survives a restart too.
import { API_GROUP } from "../keys/key-metadata.ts";

export const CREDENTIAL_ANNOTATIONS = {
  /** The id of the key the Secret holds, as the controller last wrote it. */
  keyId: `${API_GROUP}/credential-key-id`,
  /** When the Secret's key was last replaced by the controller (RFC 3339); absent: a bootstrap key. */
  rotatedAt: `${API_GROUP}/credential-rotated-at`,
  /** JSON: the roll (or successor) in flight — its Idempotency-Key, start, and the key it replaces. */
  pending: `${API_GROUP}/credential-pending`,
  /** JSON: the key replaced last, and when to revoke it. */
  previous: `${API_GROUP}/credential-previous`,
} as const;

export interface PendingReplacement {
  /** `roll`: POST …/roll of the old key; `successor`: a create, after the roll's replay window had passed. */
  kind: "roll" | "successor";
  idempotencyKey: string;
  /** Epoch ms: when it was recorded (before the request was sent). */
  startedAt: number;
  /** The key the Secret held when the replacement started. */
  oldKeyId: string;
  /** For a successor: the key the lost roll minted, which nobody holds and is revoked. */
  orphanKeyId?: string;
}

export interface PreviousKey {
  id: string;
  /** Epoch ms. */
  revokeAfter: number;
}

export interface CredentialRecord {
  keyId?: string;
  rotatedAt?: number;
  pending?: PendingReplacement;
  previous?: PreviousKey;
}

/** Malformed values read as absent: the record is ours, and a hand-edited one must not stop the controller. */
export function readCredentialRecord(annotations: Record<string, string> | undefined): CredentialRecord {
  const a = annotations ?? {};
  const record: CredentialRecord = {};
  const keyId = a[CREDENTIAL_ANNOTATIONS.keyId];
  if (keyId !== undefined && /^key_[A-Za-z0-9]+$/.test(keyId)) record.keyId = keyId;
  const rotatedAt = parseTime(a[CREDENTIAL_ANNOTATIONS.rotatedAt]);
  if (rotatedAt !== undefined) record.rotatedAt = rotatedAt;
  const pending = parsePending(a[CREDENTIAL_ANNOTATIONS.pending]);
  if (pending !== undefined) record.pending = pending;
  const previous = parsePrevious(a[CREDENTIAL_ANNOTATIONS.previous]);
  if (previous !== undefined) record.previous = previous;
  return record;
}

/** The annotations for `record`; null removes one (a merge patch, or applied onto the object's own). */
export function credentialAnnotations(record: CredentialRecord): Record<string, string | null> {
  const { pending, previous } = record;
  return {
    [CREDENTIAL_ANNOTATIONS.keyId]: record.keyId ?? null,
    [CREDENTIAL_ANNOTATIONS.rotatedAt]:
      record.rotatedAt === undefined ? null : new Date(record.rotatedAt).toISOString(),
    [CREDENTIAL_ANNOTATIONS.pending]:
      pending === undefined
        ? null
        : JSON.stringify({
            kind: pending.kind,
            idempotencyKey: pending.idempotencyKey,
            startedAt: new Date(pending.startedAt).toISOString(),
            oldKeyId: pending.oldKeyId,
            ...(pending.orphanKeyId === undefined ? {} : { orphanKeyId: pending.orphanKeyId }),
          }),
    [CREDENTIAL_ANNOTATIONS.previous]:
      previous === undefined
        ? null
        : JSON.stringify({ id: previous.id, revokeAfter: new Date(previous.revokeAfter).toISOString() }),
  };
}

/** `annotations` with the record's entries set or removed. */
export function applyCredentialRecord(
  annotations: Record<string, string> | undefined,
  record: CredentialRecord,
): Record<string, string> {
  const out: Record<string, string> = { ...annotations };
  for (const [name, value] of Object.entries(credentialAnnotations(record))) {
    if (value === null) delete out[name];
    else out[name] = value;
  }
  return out;
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function parseJsonObject(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function parsePending(value: string | undefined): PendingReplacement | undefined {
  const o = parseJsonObject(value);
  if (o === undefined) return undefined;
  const startedAt = parseTime(o.startedAt);
  const { kind, idempotencyKey, oldKeyId, orphanKeyId } = o;
  if (kind !== "roll" && kind !== "successor") return undefined;
  if (typeof idempotencyKey !== "string" || typeof oldKeyId !== "string" || startedAt === undefined)
    return undefined;
  return {
    kind,
    idempotencyKey,
    startedAt,
    oldKeyId,
    ...(typeof orphanKeyId === "string" ? { orphanKeyId } : {}),
  };
}

function parsePrevious(value: string | undefined): PreviousKey | undefined {
  const o = parseJsonObject(value);
  const revokeAfter = parseTime(o?.revokeAfter);
  if (typeof o?.id !== "string" || revokeAfter === undefined) return undefined;
  return { id: o.id, revokeAfter };
}
