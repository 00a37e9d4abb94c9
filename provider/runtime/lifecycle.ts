// create, update, read and delete of a key slot: the only functions that call the keys API. Each gathers what
// it needs, asks core (through planFor) what to do, does it, and returns every output.
import { randomUUID } from "node:crypto";
import {
  type ApiKey,
  type ApiKeyWithSecret,
  isKeysApiError,
  type KeysClient,
  type RollApiKeyRequest,
  revokeUnlessGone,
} from "../../core/client/index.ts";
import type { SlotPlan } from "../../core/provider-diff/index.ts";
import { graceDeadline, gracePeriodMs } from "../../core/rotation/index.ts";
import { bookkeepingChanged, parseTime, planFor } from "./diff.ts";
import {
  createBody,
  expiryFor,
  metadataFor,
  type StrayFinder,
  sameSlotMetadata,
  sweepStrays,
} from "./keys.ts";
import type { ProviderLog } from "./log.ts";
import {
  type CurrentKey,
  currentKeyFromState,
  currentKeyOf,
  type PreviousKey,
  previousFromState,
  stateFrom,
} from "./outputs.ts";
import type { ProviderSettings } from "./settings.ts";
import { type ApiKeyInputs, type ApiKeyState, deletionReasonOf } from "./state.ts";

export interface LifecycleContext {
  client: () => KeysClient;
  strays: StrayFinder;
  settings: ProviderSettings;
  log: ProviderLog;
  /** Problems worth the user's eye that do not fail the operation (shown in the engine's output). */
  warn: (message: string) => void;
}

/** The longest grace the keys API accepts (a year). */
const MAX_GRACE_SECONDS = 31_536_000;

function graceSecondsOf(inputs: ApiKeyInputs): number {
  return Math.min(MAX_GRACE_SECONDS, Math.round(gracePeriodMs(inputs.rotation) / 1000));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

async function sweepQuietly(ctx: LifecycleContext, slot: string, keep: readonly string[]): Promise<void> {
  try {
    await sweepStrays(ctx.client(), ctx.strays, ctx.log, slot, keep);
  } catch (error) {
    const message = `ApiKey: could not look for stray keys of ${slot} (${describe(error)}); the next change of this key looks again.`;
    ctx.log.warn(message);
    ctx.warn(message);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : "unknown error";
}

export async function createSlot(
  ctx: LifecycleContext,
  inputs: ApiKeyInputs,
): Promise<{ id: string; outs: ApiKeyState }> {
  const client = ctx.client();
  const key = await client.createKey(createBody(inputs, ctx.settings.now()));
  ctx.strays.minted(key.id);
  ctx.log.info("created key", { slot: inputs.slot, keyId: key.id, redacted: key.redacted });
  await sweepQuietly(ctx, inputs.slot, [key.id]);
  return { id: randomUUID(), outs: stateFrom(inputs, currentKeyOf(key), key.secret, undefined) };
}

interface Minted {
  key: ApiKey;
  secret: string;
  previous: PreviousKey | undefined;
}

/**
 * A new key by create, the current one (if it still works) revoked at the end of the grace period. Also how a
 * moved slot gets a key for its new URN: an owner is fixed at create. Like createSlot, no stable Idempotency-Key
 * (the body carries a fresh expiry, so a retry would be refused as a reused key): a key a crashed run minted is
 * found by its metadata and revoked by the sweep that follows.
 */
async function replaceKey(
  ctx: LifecycleContext,
  state: ApiKeyState,
  inputs: ApiKeyInputs,
  plan: SlotPlan,
  now: number,
): Promise<Minted> {
  const client = ctx.client();
  const created = await client.createKey(createBody(inputs, now));
  ctx.strays.minted(created.id);
  ctx.log.info("created replacement key", {
    slot: inputs.slot,
    keyId: created.id,
    reasons: plan.reasons,
    ...(state.slot !== inputs.slot ? { movedFrom: state.slot, previousKeyId: state.keyId } : {}),
  });
  if (!plan.graceForCurrentKey) return { key: created, secret: created.secret, previous: undefined };
  // The old key works until the grace ends, never past its own expiry.
  const deadline = graceDeadline(
    { expiresAt: parseTime(state.expiresAt) },
    { now, graceMs: graceSecondsOf(inputs) * 1000 },
  );
  const scheduled = await revokeUnlessGone(client, state.keyId, {
    reason: "replaced",
    ...(deadline > now ? { effective_at: iso(deadline) } : {}),
  });
  const previous =
    scheduled?.expiringAt != null ? { id: state.keyId, revokeAt: scheduled.expiringAt } : undefined;
  return { key: created, secret: created.secret, previous };
}

/** A roll: new key, same environment; the service keeps the old one for the grace period. */
async function rollKey(
  ctx: LifecycleContext,
  state: ApiKeyState,
  inputs: ApiKeyInputs,
  plan: SlotPlan,
  now: number,
): Promise<Minted> {
  const client = ctx.client();
  const graceSeconds = graceSecondsOf(inputs);
  const body: RollApiKeyRequest = {
    scopes: inputs.scopes,
    expires_at: expiryFor(inputs, now),
    grace_period_seconds: graceSeconds,
  };
  let rolled: ApiKeyWithSecret;
  try {
    rolled = await client.rollKey(state.keyId, body);
    ctx.strays.minted(rolled.id);
  } catch (error) {
    // The key stopped working since the state was written: nothing to overlap with.
    if (isKeysApiError(error, "key_not_active"))
      return replaceKey(ctx, state, inputs, { ...plan, graceForCurrentKey: false }, now);
    // A run rolled this key and crashed before recording the new one, whose value is lost. The old key
    // already has its deadline; mint a key by create and let the sweep revoke the lost one.
    if (isKeysApiError(error, "roll_in_progress")) {
      const old = await client.getKey(state.keyId);
      const created = await client.createKey(createBody(inputs, now));
      ctx.strays.minted(created.id);
      const previous =
        old.status === "expiring" && old.expiring_at !== null
          ? { id: old.id, revokeAt: old.expiring_at }
          : undefined;
      return { key: created, secret: created.secret, previous };
    }
    throw error;
  }
  ctx.log.info("rolled key", {
    slot: inputs.slot,
    from: state.keyId,
    keyId: rolled.id,
    reasons: plan.reasons,
  });
  // The service's deadline for the old key: min(roll time + grace, the old key's own expiry).
  const rolledAt = parseTime(rolled.created_at) ?? now;
  const deadline = graceDeadline(
    { expiresAt: parseTime(state.expiresAt) },
    { now: rolledAt, graceMs: graceSeconds * 1000 },
  );
  const previous = deadline > rolledAt ? { id: state.keyId, revokeAt: iso(deadline) } : undefined;
  // A rolled key takes the old one's name and metadata; patch it to the wanted ones.
  const patched = await patchQuietly(ctx, rolled, inputs);
  return { key: patched, secret: rolled.secret, previous };
}

async function patchQuietly(ctx: LifecycleContext, key: ApiKey, inputs: ApiKeyInputs): Promise<ApiKey> {
  const metadata = metadataFor(inputs);
  const body = {
    ...(key.name !== inputs.displayName ? { name: inputs.displayName } : {}),
    ...(!sameSlotMetadata(key.metadata, metadata) ? { metadata } : {}),
  };
  if (Object.keys(body).length === 0) return key;
  try {
    return await ctx.client().updateKey(key.id, body);
  } catch (error) {
    const message = `ApiKey: the new key ${key.id} keeps its previous name or metadata (${describe(error)}); the next up renames it.`;
    ctx.log.warn(message);
    ctx.warn(message);
    return key;
  }
}

/** Revokes the previous key at once: a newer rotation supersedes it (DESIGN: promise 2). */
async function supersede(ctx: LifecycleContext, previous: PreviousKey | undefined): Promise<void> {
  if (previous === undefined) return;
  try {
    await revokeUnlessGone(ctx.client(), previous.id, {
      reason: "replaced",
      note: "superseded by a newer rotation of the same ApiKey",
    });
  } catch (error) {
    const message = `ApiKey: could not revoke the superseded key ${previous.id} early (${describe(error)}); it is revoked at ${previous.revokeAt} anyway.`;
    ctx.log.warn(message);
    ctx.warn(message);
  }
}

/**
 * Name and metadata of the kept key, when they changed. The slot is the same (a new slot mints a key), so the
 * ownership values are the key's own; only a legacy spelling is respelled, which the keys API allows.
 */
async function patchKept(
  ctx: LifecycleContext,
  state: ApiKeyState,
  inputs: ApiKeyInputs,
  plan: SlotPlan,
): Promise<void> {
  const renamed = plan.edit.inPlace.includes("displayName");
  const relabeled = plan.edit.inPlace.some((f) => f !== "displayName");
  if (!renamed && !relabeled) return;
  await ctx.client().updateKey(state.keyId, {
    ...(renamed ? { name: inputs.displayName } : {}),
    ...(relabeled ? { metadata: metadataFor(inputs) } : {}),
  });
}

export async function updateSlot(
  ctx: LifecycleContext,
  state: ApiKeyState,
  inputs: ApiKeyInputs,
): Promise<{ outs: ApiKeyState }> {
  const now = ctx.settings.now();
  const plan = planFor(state, inputs, now);
  const keptPrevious = plan.forgetPrevious ? undefined : previousFromState(state);
  if (plan.action === "keep") {
    await patchKept(ctx, state, inputs, plan);
    if (plan.changes || bookkeepingChanged(state, inputs))
      ctx.log.info("updated slot in place", { slot: inputs.slot, keyId: state.keyId });
    return { outs: stateFrom(inputs, currentKeyFromState(state), state.secret, keptPrevious) };
  }
  if (plan.supersedePrevious) await supersede(ctx, keptPrevious);
  const minted =
    plan.action === "roll"
      ? await rollKey(ctx, state, inputs, plan, now)
      : await replaceKey(ctx, state, inputs, plan, now);
  // The state's keys are never strays, even when a listing taken earlier in this run still shows one active.
  const keep = [minted.key.id, state.keyId, ...(minted.previous ? [minted.previous.id] : [])];
  await sweepQuietly(ctx, inputs.slot, keep);
  return { outs: stateFrom(inputs, currentKeyOf(minted.key), minted.secret, minted.previous) };
}

async function getOrMissing(client: KeysClient, id: string): Promise<ApiKey | undefined> {
  try {
    return await client.getKey(id);
  } catch (error) {
    if (isKeysApiError(error, "resource_missing")) return undefined;
    throw error;
  }
}

/** refresh: what the keys API says now. A key revoked or expired out of band shows, and the next up replaces it. */
export async function readSlot(
  ctx: LifecycleContext,
  id: string,
  state: ApiKeyState,
): Promise<{ id: string; props: ApiKeyState }> {
  if (typeof state.keyId !== "string" || state.keyId === "")
    throw new Error(
      "An ApiKey cannot be imported or read without its state: the keys API shows a key's value only when the key is created or rolled. Declare the ApiKey and let `pulumi up` create it (and revoke the old key yourself).",
    );
  const client = ctx.client();
  const found = await getOrMissing(client, state.keyId);
  const current: CurrentKey = found
    ? currentKeyOf(found)
    : { ...currentKeyFromState(state), status: "missing" };
  let previous = previousFromState(state);
  if (previous !== undefined) {
    const old = await getOrMissing(client, previous.id);
    previous =
      old !== undefined && (old.status === "expiring" || old.status === "active")
        ? { id: previous.id, revokeAt: old.expiring_at ?? previous.revokeAt }
        : undefined;
  }
  if (current.status !== state.status)
    ctx.log.warn("the current key changed outside Pulumi", {
      slot: state.slot,
      keyId: state.keyId,
      status: current.status,
    });
  const { keyId: _k, secret, redacted: _r, status: _s, createdAt: _c, expiresAt: _e, ...inputs } = state;
  const { rotateAfter: _ra, previousKeyId: _pk, previousRevokeAt: _pr, ...rest } = inputs;
  const props = stateFrom(rest, current, secret, previous);
  return { id, props };
}

/** destroy: the slot ends, so its keys stop working now (reason project_ended unless deletionReason says). */
export async function deleteSlot(ctx: LifecycleContext, state: ApiKeyState): Promise<void> {
  const client = ctx.client();
  const reason = deletionReasonOf(state);
  await revokeUnlessGone(client, state.keyId, { reason });
  if (state.previousKeyId !== undefined) await revokeUnlessGone(client, state.previousKeyId, { reason });
  ctx.log.info("revoked the slot's keys", { slot: state.slot, keyId: state.keyId, reason });
}
