// The changes to keys: create, roll, revoke (now or scheduled), and cosmetic updates. Each runs in one
// transaction with its audit event and idempotency record; the key value exists only in the response.
import { randomBytes } from "node:crypto";
import { type Environment, generateKey, keyDisplayParts, type Scope } from "../../core/domain/index.ts";
import { effectiveState, type KeyRecord, toApiKey } from "../keys/key-record.ts";
import type { Queryable } from "../store/database.ts";
import { writeAudit } from "./audit-log.ts";
import {
  requireEnvironment,
  requireGrantable,
  requireManageable,
  requireWrite,
  visibleKey,
} from "./authorize.ts";
import type { RequestContext, ServiceDeps } from "./context.ts";
import { type OperationResult, requestFingerprint, runIdempotent } from "./idempotency.ts";
import { insertAnnounced, saveAnnounced } from "./key-changes.ts";
import type { CreateInput, PatchInput, RevokeInput, RollInput } from "./operation-inputs.ts";
import { requireOwnershipUnchanged } from "./ownership-metadata.ts";
import { ServiceError } from "./service-error.ts";

const ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function newKeyId(): string {
  // 24 base62 characters; a byte below 248 maps without modulo bias.
  let id = "";
  while (id.length < 24) {
    for (const b of randomBytes(32)) if (b < 248 && id.length < 24) id += ID_ALPHABET[b % 62];
  }
  return `key_${id}`;
}

export interface MintInput {
  name: string;
  environment: Environment;
  scopes: Scope[];
  expiresAt: number | null;
  metadata: Record<string, string>;
  rolledFrom: string | null;
  createdBy: string | null;
}

/** Makes a new key: its record (digest only) and the value, which leaves this function only in a response. */
export function mintKey(
  deps: ServiceDeps,
  input: MintInput,
  now: number,
): { record: KeyRecord; secret: string } {
  const secret = generateKey(input.environment);
  const { kid, digest } = deps.keyring.digest(secret);
  const parts = keyDisplayParts(secret);
  const record: KeyRecord = {
    id: newKeyId(),
    name: input.name,
    environment: input.environment,
    scopes: input.scopes,
    status: "active",
    hmacKid: kid,
    digest,
    first6: parts.first6,
    last4: parts.last4,
    createdAt: now,
    updatedAt: now,
    expiresAt: input.expiresAt,
    expiringAt: null,
    scheduledReason: null,
    lastUsedAt: null,
    rolledFrom: input.rolledFrom,
    replacedBy: null,
    revokedAt: null,
    revocationReason: null,
    metadata: input.metadata,
    createdBy: input.createdBy,
  };
  return { record, secret };
}

function idempotent(
  deps: ServiceDeps,
  ctx: RequestContext,
  body: unknown,
  op: (tx: Queryable) => Promise<OperationResult>,
) {
  return runIdempotent(
    { db: deps.db, keyring: deps.keyring, windowMs: deps.replayWindowMs, now: deps.now },
    {
      actor: ctx.principal.id,
      key: ctx.idempotencyKey,
      fingerprint: requestFingerprint(ctx.method, ctx.path, body),
    },
    op,
  );
}

function audit(ctx: RequestContext, at: number) {
  return { actorKeyId: ctx.principal.id, requestId: ctx.requestId, ip: ctx.ip, at };
}

export async function createKey(
  deps: ServiceDeps,
  ctx: RequestContext,
  input: CreateInput,
  rawBody: unknown,
): Promise<OperationResult> {
  requireWrite(ctx.principal);
  requireEnvironment(ctx.principal, input.environment);
  requireGrantable(ctx.principal, input.scopes);
  return idempotent(deps, ctx, rawBody, async (tx) => {
    const now = deps.now();
    const { record, secret } = mintKey(
      deps,
      { ...input, rolledFrom: null, createdBy: ctx.principal.id },
      now,
    );
    await insertAnnounced(deps, tx, record);
    await writeAudit(tx, {
      ...audit(ctx, now),
      action: "api_key.created",
      targetKeyId: record.id,
      details: { environment: record.environment, scopes: record.scopes, expires_at: record.expiresAt },
    });
    return { status: 201, body: { ...toApiKey(record, now), secret } };
  });
}

async function loadForChange(
  deps: ServiceDeps,
  tx: Queryable,
  ctx: RequestContext,
  id: string,
): Promise<KeyRecord> {
  const stored = await visibleKey(tx, ctx.principal, id, deps.db.forUpdate);
  // Checked before any state check: a key out of reach gets the same answer whatever its state.
  requireManageable(ctx.principal, stored);
  return effectiveState(stored, deps.now());
}

export async function rollKey(
  deps: ServiceDeps,
  ctx: RequestContext,
  id: string,
  input: RollInput,
  rawBody: unknown,
): Promise<OperationResult> {
  requireWrite(ctx.principal);
  return idempotent(deps, ctx, rawBody, async (tx) => {
    const now = deps.now();
    const old = await loadForChange(deps, tx, ctx, id);
    if (old.status === "revoked" || old.status === "expired")
      throw new ServiceError(
        "key_not_active",
        `Key ${old.id} is ${old.status} and cannot be rolled; create a new key instead.`,
      );
    if (old.replacedBy !== null)
      throw new ServiceError(
        "roll_in_progress",
        `Key ${old.id} was already rolled to ${old.replacedBy}; roll that key instead.`,
      );
    const scopes = input.scopes ?? old.scopes;
    requireGrantable(ctx.principal, scopes);
    // A fresh lifetime: the old key's lifetime again, from now, unless a new expiry is given.
    const expiresAt =
      input.expiresAt !== undefined
        ? input.expiresAt
        : old.expiresAt === null
          ? null
          : now + (old.expiresAt - old.createdAt);
    const { record, secret } = mintKey(
      deps,
      {
        name: old.name,
        environment: old.environment,
        scopes,
        expiresAt,
        metadata: old.metadata,
        rolledFrom: old.id,
        createdBy: ctx.principal.id,
      },
      now,
    );
    // The old key's deadline: never later than its own expiry or an earlier scheduled revocation.
    const deadline = Math.min(
      now + input.graceSeconds * 1000,
      old.expiresAt ?? Infinity,
      old.expiringAt ?? Infinity,
    );
    const retired: KeyRecord =
      deadline <= now
        ? {
            ...old,
            status: "revoked",
            revokedAt: now,
            revocationReason: "replaced",
            expiringAt: null,
            replacedBy: record.id,
            updatedAt: now,
          }
        : {
            ...old,
            status: "expiring",
            expiringAt: deadline,
            scheduledReason: old.scheduledReason ?? "replaced",
            replacedBy: record.id,
            updatedAt: now,
          };
    await insertAnnounced(deps, tx, record);
    await saveAnnounced(deps, tx, retired);
    deps.cache.invalidate(old.id);
    await writeAudit(tx, {
      ...audit(ctx, now),
      action: "api_key.rolled",
      targetKeyId: old.id,
      details: {
        new_key_id: record.id,
        grace_period_seconds: input.graceSeconds,
        old_key_deadline: new Date(deadline).toISOString(),
      },
    });
    return { status: 201, body: { ...toApiKey(record, now), secret } };
  });
}

export async function revokeKey(
  deps: ServiceDeps,
  ctx: RequestContext,
  id: string,
  input: RevokeInput,
  rawBody: unknown,
): Promise<OperationResult> {
  requireWrite(ctx.principal);
  return idempotent(deps, ctx, rawBody, async (tx) => {
    const now = deps.now();
    const key = await loadForChange(deps, tx, ctx, id);
    if (key.status === "revoked")
      throw new ServiceError("key_already_revoked", `Key ${key.id} is already revoked.`);
    if (key.status === "expired")
      throw new ServiceError("key_not_active", `Key ${key.id} has expired; there is nothing to revoke.`);
    const scheduled = input.effectiveAt !== null && input.effectiveAt < (key.expiringAt ?? Infinity);
    const next: KeyRecord = scheduled
      ? {
          ...key,
          status: "expiring",
          expiringAt: input.effectiveAt,
          scheduledReason: input.reason,
          updatedAt: now,
        }
      : input.effectiveAt !== null
        ? key // an earlier deadline already stands; a later one never moves it
        : {
            ...key,
            status: "revoked",
            revokedAt: now,
            revocationReason: input.reason,
            expiringAt: null,
            updatedAt: now,
          };
    if (next !== key) {
      await saveAnnounced(deps, tx, next);
      deps.cache.invalidate(key.id);
      await writeAudit(tx, {
        ...audit(ctx, now),
        action: scheduled ? "api_key.revocation_scheduled" : "api_key.revoked",
        targetKeyId: key.id,
        details: {
          reason: input.reason,
          note: input.note,
          effective_at: scheduled ? new Date(input.effectiveAt ?? now).toISOString() : null,
        },
      });
    }
    return { status: 200, body: toApiKey(next, now) };
  });
}

export async function updateKey(
  deps: ServiceDeps,
  ctx: RequestContext,
  id: string,
  input: PatchInput,
): Promise<OperationResult> {
  requireWrite(ctx.principal);
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const key = await loadForChange(deps, tx, ctx, id);
    if (input.metadata !== undefined) requireOwnershipUnchanged(key.metadata, input.metadata);
    const changed = Object.keys(input).filter((field) =>
      field === "name"
        ? input.name !== key.name
        : JSON.stringify(input.metadata) !== JSON.stringify(key.metadata),
    );
    // updated_at moves only when a value changes: a no-op PATCH is not a change of state.
    if (changed.length === 0) return { status: 200, body: toApiKey(key, now) };
    const next: KeyRecord = {
      ...key,
      name: input.name ?? key.name,
      metadata: input.metadata ?? key.metadata,
      updatedAt: now,
    };
    await saveAnnounced(deps, tx, next);
    deps.cache.invalidate(key.id);
    await writeAudit(tx, {
      ...audit(ctx, now),
      action: "api_key.updated",
      targetKeyId: key.id,
      details: { fields: changed },
    });
    return { status: 200, body: toApiKey(next, now) };
  });
}
