// The controller's own keys-API credential: when to roll it, how to finish a roll a crash interrupted, and when
// to revoke the key it replaced. Pure: the keeper (controller/credential/) reads the Secret's record and the key's
// facts, asks for one action, carries it out, and asks again.
//
// The crash window is between the roll and the write of the new key into the Secret. The Idempotency-Key is
// recorded first, so within the keys service's replay window the same roll returns the same new key. Past it,
// the service refuses the roll (the old key names its replacement), so a successor is minted with a create and
// the roll's key — which nobody holds — is revoked. Both need the old key to still authenticate: the grace of
// the roll is what bounds how long a controller may stay down mid-rotation.
import type { ApiKey, KeyStatus } from "../client/types.ts";
import type { CredentialRecord, PendingReplacement } from "./credential-record.ts";

/** The key the Secret holds, as the keys API describes it. Times are epoch ms. */
export interface CredentialKeyFacts {
  id: string;
  status: KeyStatus;
  createdAt: number;
  expiresAt: number | null;
  expiringAt: number | null;
  replacedBy: string | null;
}

export interface CredentialPlanInput {
  record: CredentialRecord;
  current: CredentialKeyFacts;
  /** A replacement the keeper holds in memory and has not written to the Secret yet. */
  obtained?: { keyId: string };
  /** The keys service refused to replay the pending roll (`roll_in_progress`): its replay record is gone. */
  replayRefused?: boolean;
  now: number;
  rotationIntervalMs: number;
  graceMs: number;
  /** The keys service's replay window for Idempotency-Keys. */
  replayWindowMs: number;
  /** Used only when the action starts a new request; the caller makes it, so the planner stays pure. */
  freshIdempotencyKey: string;
}

export type RotationReason =
  | "bootstrap"
  | "schedule"
  | "expiry"
  | "replaced-elsewhere"
  | "replay-window-passed";

export type CredentialAction =
  /** Nothing to do before `wakeAt`. */
  | { kind: "none"; wakeAt: number | undefined; nextRotationAt: number | undefined }
  /** Record `pending` in the Secret first, then send it (a roll, or a create for a successor). */
  | { kind: "start"; pending: PendingReplacement; reason: RotationReason }
  /** Send the recorded request again with its own Idempotency-Key. */
  | { kind: "replay"; pending: PendingReplacement }
  /** Write the obtained key with this record (pending cleared, previous key recorded). */
  | { kind: "write"; record: CredentialRecord }
  /** Revoke the replaced key (reason `replaced`), then clear it from the record. */
  | { kind: "revoke-previous"; keyId: string }
  /**
   * Drop the key obtained and not written: the Secret holds it already (`revoke: false`), or holds another
   * working key someone else put there (`revoke: true`: the obtained key is held by nobody).
   */
  | { kind: "forget-obtained"; revoke: boolean }
  /** The Secret no longer holds the key the pending request replaces: someone else changed it. */
  | { kind: "forget-pending" }
  /** The Secret's key no longer authenticates: nothing the controller can do; a person must supply a key. */
  | { kind: "stuck"; status: KeyStatus };

/** How much earlier than the window's end the replay is no longer trusted: clocks of two machines differ. */
export function replayMargin(replayWindowMs: number): number {
  return Math.min(60_000, Math.floor(replayWindowMs / 10));
}

/** When the Secret's key is due for replacement: now for a bootstrap key, else on schedule or before expiry. */
export function nextRotationAt(input: CredentialPlanInput): { at: number; reason: RotationReason } {
  const { record, current, rotationIntervalMs, graceMs } = input;
  let next: { at: number; reason: RotationReason } =
    record.rotatedAt === undefined || record.keyId !== current.id
      ? { at: input.now, reason: "bootstrap" }
      : { at: record.rotatedAt + rotationIntervalMs, reason: "schedule" };
  if (current.expiresAt !== null && current.expiresAt - graceMs < next.at)
    next = { at: current.expiresAt - graceMs, reason: "expiry" };
  return next;
}

export function planCredential(input: CredentialPlanInput): CredentialAction {
  const { record, current, now } = input;
  if (current.status === "revoked" || current.status === "expired")
    return { kind: "stuck", status: current.status };

  const pending = record.pending;
  if (input.obtained !== undefined) {
    // The write landed and its answer was lost: the Secret already holds the key, with its record.
    if (input.obtained.keyId === current.id) return { kind: "forget-obtained", revoke: false };
    // Someone else changed the Secret since the replacement started: the key it holds works (it was just
    // described), and the one obtained is held by nobody else. Never record the Secret's key as "previous".
    if (pending === undefined || pending.oldKeyId !== current.id)
      return { kind: "forget-obtained", revoke: true };
    return {
      kind: "write",
      record: {
        keyId: input.obtained.keyId,
        rotatedAt: now,
        previous: { id: pending.oldKeyId, revokeAfter: now + input.graceMs },
      },
    };
  }

  if (pending !== undefined) return finishPending(input, pending);

  // Our key was rolled or scheduled for revocation by someone else: its replacement is not ours to take, and
  // this key stops working at its deadline. A fresh key keeps the controller working.
  if (current.status === "expiring")
    return start(input, { kind: "successor", oldKeyId: current.id }, "replaced-elsewhere");

  const previous = record.previous;
  if (previous !== undefined && now >= previous.revokeAfter)
    return { kind: "revoke-previous", keyId: previous.id };

  const due = nextRotationAt(input);
  // One replacement at a time: the next roll waits until the key replaced last is revoked.
  if (previous !== undefined)
    return {
      kind: "none",
      wakeAt: previous.revokeAfter,
      nextRotationAt: Math.max(due.at, previous.revokeAfter),
    };
  if (now >= due.at) return start(input, { kind: "roll", oldKeyId: current.id }, due.reason);
  return { kind: "none", wakeAt: due.at, nextRotationAt: due.at };
}

function finishPending(input: CredentialPlanInput, pending: PendingReplacement): CredentialAction {
  const { current, now } = input;
  if (pending.oldKeyId !== current.id) return { kind: "forget-pending" };
  if (pending.kind === "successor") return { kind: "replay", pending };
  // The roll never reached the service (the key names no replacement): sending it now is the roll itself.
  if (current.replacedBy === null) return { kind: "replay", pending };
  const windowEnds = pending.startedAt + input.replayWindowMs - replayMargin(input.replayWindowMs);
  if (input.replayRefused === true || now >= windowEnds)
    return start(
      input,
      { kind: "successor", oldKeyId: current.id, orphanKeyId: current.replacedBy },
      "replay-window-passed",
    );
  return { kind: "replay", pending };
}

function start(
  input: CredentialPlanInput,
  what: Pick<PendingReplacement, "kind" | "oldKeyId" | "orphanKeyId">,
  reason: RotationReason,
): CredentialAction {
  const pending: PendingReplacement = {
    kind: what.kind,
    idempotencyKey: input.freshIdempotencyKey,
    startedAt: input.now,
    oldKeyId: what.oldKeyId,
    ...(what.orphanKeyId === undefined ? {} : { orphanKeyId: what.orphanKeyId }),
  };
  return { kind: "start", pending, reason };
}

/** What tells a key the controller's credential replaced: the fields a roll or a successor carries over. */
export type FormerKeyFacts = Pick<ApiKey, "id" | "replaced_by" | "name" | "environment" | "metadata">;

/** Whether `previous` is a key the controller's credential replaced: rolled into it, or its successor's twin. */
export function isFormerCredential(previous: FormerKeyFacts, current: FormerKeyFacts): boolean {
  if (previous.id === current.id) return false;
  if (previous.replaced_by === current.id) return true;
  return (
    previous.name === current.name &&
    previous.environment === current.environment &&
    JSON.stringify(previous.metadata ?? {}) === JSON.stringify(current.metadata ?? {})
  );
}
