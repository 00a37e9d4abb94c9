// Carrying out one step of the controller's credential upkeep, as the planner (core/planner/credential.ts)
// named it: record the Idempotency-Key, roll (or replay, or mint a successor), switch to the new key at once,
// write it into the Secret, revoke the old key after the grace. The keeper (keeper.ts) decides when to look.
import type { Logger } from "pino";
import type { KeysClient } from "../../core/client/client.ts";
import { isKeysApiError } from "../../core/client/errors.ts";
import { revokeUnlessGone } from "../../core/client/revoke-unless-gone.ts";
import type { ApiKey } from "../../core/client/types.ts";
import { type CredentialAction, isFormerCredential } from "../../core/planner/credential.ts";
import type { CredentialRecord } from "../../core/planner/credential-record.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { Timers } from "../runtime/clock.ts";
import type { CredentialMetrics, CredentialResult } from "./metrics.ts";
import { sendReplacement } from "./replace.ts";
import type { CredentialSecretStore, CredentialSnapshot } from "./secret-store.ts";

export const STUCK_RETRY_MS = 60_000;

/** What the keeper holds between steps; a step may change it. */
export interface HeldCredential {
  /** The key handed to the keys client. */
  key: string | undefined;
  /** A replacement switched to in memory and not yet in the Secret, and how it was had. */
  obtained: { keyId: string; secret: string; result: CredentialResult } | undefined;
  /** The keys service would not replay the recorded roll: the planner mints a successor instead. */
  replayRefused: boolean;
}

export interface StepContext {
  store: CredentialSecretStore;
  metrics: CredentialMetrics;
  logger: Logger;
  timers: Timers;
  events?: EventRecorder | undefined;
  keys: KeysClient;
  graceMs: number;
  held: HeldCredential;
}

/** Reports that the Secret's key no longer works: only a person can put a working key there. */
export function lockedOut(ctx: Pick<StepContext, "store" | "metrics" | "logger">, why: string): void {
  ctx.metrics.lockedOut.set(1);
  ctx.metrics.rotations.inc({ result: "failed" });
  ctx.logger.error({ where: ctx.store.where }, `${why}: put a working key there`);
}

/** Does one action; answers when to look again, or undefined to plan again at once. */
export async function carryOut(
  ctx: StepContext,
  action: CredentialAction,
  snapshot: CredentialSnapshot,
  old: ApiKey,
): Promise<number | undefined> {
  const { store, logger, metrics, timers, keys, held } = ctx;
  switch (action.kind) {
    case "none":
      metrics.lockedOut.set(0);
      if (action.nextRotationAt !== undefined) metrics.nextRotation.set(action.nextRotationAt / 1000);
      return action.wakeAt ?? Number.POSITIVE_INFINITY;
    case "stuck":
      lockedOut(ctx, `the key in the credential Secret is ${action.status}`);
      return timers.now() + STUCK_RETRY_MS;
    case "start":
      // The Idempotency-Key is in the Secret before the request leaves: a crash after it can be recovered.
      await store.write(snapshot, { ...snapshot.record, pending: action.pending });
      held.replayRefused = false;
      logger.info(
        { reason: action.reason, kind: action.pending.kind, keyId: old.id },
        "replacing the controller's keys-API key",
      );
      await replace(ctx, action.pending, old, action.pending.kind === "roll" ? "rotated" : "successor");
      return undefined;
    case "replay":
      await replace(ctx, action.pending, old, action.pending.kind === "roll" ? "replayed" : "successor");
      return undefined;
    case "write":
      await writeObtained(ctx, snapshot, action.record);
      return undefined;
    case "forget-obtained": {
      const obtained = held.obtained;
      held.obtained = undefined;
      held.key = snapshot.value;
      if (obtained !== undefined && action.revoke) {
        logger.warn(
          { keyId: obtained.keyId },
          "the credential Secret was changed while its key was replaced; revoking the unused replacement",
        );
        await revokeUnlessGone(keys, obtained.keyId, {
          reason: "unused",
          note: "minted for the controller while someone else changed its credential Secret",
        });
      }
      return undefined;
    }
    case "revoke-previous": {
      // After a roll the service retires the old key itself at the grace's end; the revoke is for a key
      // whose deadline is later (a successor's predecessor), so a key already gone is only cleared. The id comes
      // from an annotation anyone who may patch the Secret could write: only the controller's own former key
      // is revoked.
      const previous = await workingKey(keys, action.keyId);
      if (previous !== undefined && isFormerCredential(previous, old))
        await revokeUnlessGone(keys, action.keyId, { reason: "replaced" });
      else if (previous !== undefined)
        logger.warn(
          { keyId: action.keyId },
          "the credential Secret names a key that is not the controller's former key; left alone",
        );
      await store.write(snapshot, { ...snapshot.record, previous: undefined });
      metrics.rotations.inc({ result: "previous_revoked" });
      logger.info({ keyId: action.keyId }, "the controller's replaced keys-API key is retired");
      return undefined;
    }
    case "forget-pending":
      await store.write(snapshot, { ...snapshot.record, pending: undefined });
      logger.warn("the credential Secret holds another key than the one being replaced; replacement dropped");
      return undefined;
  }
}

async function replace(
  ctx: StepContext,
  pending: Parameters<typeof sendReplacement>[1],
  old: ApiKey,
  result: CredentialResult,
): Promise<void> {
  const { held } = ctx;
  const replaced = await sendReplacement(ctx.keys, pending, old, { graceMs: ctx.graceMs });
  if (!replaced.ok) {
    held.replayRefused = true;
    ctx.logger.warn(
      { keyId: old.id, orphanKeyId: old.replaced_by },
      "the keys service no longer replays the interrupted roll; minting a successor",
    );
    return;
  }
  if (replaced.orphanRevoked) ctx.metrics.rotations.inc({ result: "orphan_revoked" });
  // Switched at once: the old key keeps working for the grace, so calls in flight with it still succeed.
  held.obtained = { keyId: replaced.keyId, secret: replaced.secret, result };
  held.key = replaced.secret;
}

function event(
  ctx: StepContext,
  snapshot: CredentialSnapshot,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
): void {
  const { metadata } = snapshot.secret;
  if (ctx.events === undefined || metadata.uid === undefined) return;
  ctx.events.record(
    {
      apiVersion: "v1",
      kind: "Secret",
      namespace: ctx.store.ref.namespace,
      name: metadata.name,
      uid: metadata.uid,
    },
    type,
    reason,
    message,
  );
}

/** Writes the key obtained into the Secret with `record` (pending cleared, previous key recorded). */
export async function writeObtained(
  ctx: StepContext,
  snapshot: CredentialSnapshot,
  record: CredentialRecord,
): Promise<void> {
  const { held, store, metrics, logger } = ctx;
  const obtained = held.obtained;
  if (obtained === undefined) return;
  await store.write(snapshot, record, obtained.secret);
  held.obtained = undefined;
  metrics.rotations.inc({ result: obtained.result });
  logger.info(
    { keyId: obtained.keyId, previousKeyId: record.previous?.id, how: obtained.result },
    "the controller's new keys-API key is in its Secret",
  );
  const after = record.previous === undefined ? "" : `; key ${record.previous.id} is revoked after the grace`;
  event(ctx, snapshot, "Normal", "CredentialRotated", `Now using key ${obtained.keyId}${after}.`);
}

/** The key, when it still works; undefined when it is revoked, expired or gone. */
async function workingKey(keys: KeysClient, id: string): Promise<ApiKey | undefined> {
  try {
    const key = await keys.getKey(id);
    return key.status === "active" || key.status === "expiring" ? key : undefined;
  } catch (error) {
    if (isKeysApiError(error, "resource_missing")) return undefined;
    throw error;
  }
}
