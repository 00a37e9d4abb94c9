// The key registry: one row per key from the keys API, joined with the ApiKeys that hold it in a cluster.
// Pure: the shell fetches keys and ApiKeys, this decides what each row says and which rows a filter keeps.
import type { ApiKey, ApiKeyUsage, Environment, KeyStatus, Scope } from "../client/types.ts";
import { readKeyMetadata } from "../keys/key-metadata.ts";
import type { ApiKeyStatus } from "../planner/types.ts";
import { type KeyOwner, keyOwner } from "./key-owner.ts";

/** An ApiKey as the registry reads it: where it lives, where its Secret goes, what restarts. */
export interface ClusterApiKey {
  namespace: string;
  name: string;
  uid: string;
  spec: { secret?: { name?: string }; restartTargets?: { kind: string; name: string }[] };
  status?: Pick<ApiKeyStatus, "keyId" | "secretName" | "lastRotatedAt" | "previousKeys">;
}

export interface SecretUse {
  namespace: string;
  name: string;
  /** `current` holds the key the ApiKey serves; `previous` a rolled key kept until its grace ends. */
  slot: "current" | "previous";
}

export interface RestartTargetUse {
  namespace: string;
  kind: string;
  name: string;
}

/** One row, in the keys API's snake_case; schemas/registry.schema.json describes it. */
export interface RegistryRow {
  id: string;
  name: string;
  redacted: string;
  environment: Environment;
  scopes: Scope[];
  status: KeyStatus;
  created_at: string;
  expires_at: string | null;
  /** When an `expiring` key stops working (after a roll or a scheduled revocation). */
  expiring_at: string | null;
  last_rotated_at: string | null;
  last_used_at: string | null;
  /**
   * Presentations after the key was revoked or expired (the keys API's usage): 0 for a working key; null until
   * read (see withRevokedAttempts), or when the keys API does not report it.
   */
  revoked_attempts: number | null;
  last_revoked_attempt_at: string | null;
  owner: string | null;
  purpose: string | null;
  managed_by: KeyOwner["kind"];
  kubernetes: {
    cluster: string | null;
    namespace: string;
    name: string;
    uid: string | null;
    found: boolean | null;
  } | null;
  pulumi: { stack: string; urn: string } | null;
  where_used: { secrets: SecretUse[]; restart_targets: RestartTargetUse[] };
}

export interface RegistryInput {
  keys: readonly ApiKey[];
  /** Undefined: no cluster was read, so whether an ApiKey exists is unknown (`found: null`). */
  apiKeys?: readonly ClusterApiKey[];
}

export function buildRegistry(input: RegistryInput): RegistryRow[] {
  const byUid = new Map<string, ClusterApiKey>();
  const byName = new Map<string, ClusterApiKey>();
  const byKeyId = new Map<string, { apiKey: ClusterApiKey; slot: SecretUse["slot"] }>();
  for (const a of input.apiKeys ?? []) {
    byUid.set(a.uid, a);
    byName.set(`${a.namespace}/${a.name}`, a);
    if (a.status?.keyId) byKeyId.set(a.status.keyId, { apiKey: a, slot: "current" });
    for (const p of a.status?.previousKeys ?? []) byKeyId.set(p.keyId, { apiKey: a, slot: "previous" });
  }
  return input.keys.map((key) => {
    const owner = keyOwner(key.metadata);
    let holder: ClusterApiKey | undefined;
    let kubernetes: RegistryRow["kubernetes"] = null;
    if (owner.kind === "controller") {
      // The uid tells a recreated ApiKey of the same name from the one that minted the key.
      holder = owner.uid ? byUid.get(owner.uid) : byName.get(`${owner.namespace}/${owner.name}`);
      kubernetes = {
        cluster: owner.cluster ?? null,
        namespace: owner.namespace,
        name: owner.name,
        uid: owner.uid ?? null,
        found: input.apiKeys === undefined ? null : holder !== undefined,
      };
    }
    const held = byKeyId.get(key.id);
    const user = held?.apiKey ?? holder;
    const slot = held?.slot ?? "current";
    return {
      id: key.id,
      name: key.name,
      redacted: key.redacted,
      environment: key.environment,
      scopes: [...key.scopes],
      status: key.status,
      created_at: key.created_at,
      expires_at: key.expires_at,
      expiring_at: key.expiring_at,
      last_rotated_at: lastRotated(key, held?.slot === "current" ? held.apiKey : undefined),
      last_used_at: key.last_used_at,
      revoked_attempts: stopped(key.status) ? null : 0,
      last_revoked_attempt_at: null,
      owner: readKeyMetadata(key.metadata, "owner") ?? null,
      purpose: readKeyMetadata(key.metadata, "purpose") ?? null,
      managed_by: owner.kind,
      kubernetes,
      pulumi: owner.kind === "pulumi" ? { stack: owner.stack, urn: owner.urn } : null,
      where_used: user ? whereUsed(user, slot) : { secrets: [], restart_targets: [] },
    };
  });
}

/** Revoked or expired: only such a key can be presented "revoked", so only its usage is worth a call. */
export function stopped(status: KeyStatus): boolean {
  return status === "revoked" || status === "expired";
}

/** What the keys API's usage says about presentations of a stopped key. */
export type RevokedAttempts = Pick<ApiKeyUsage, "revoked_attempts" | "last_revoked_attempt_at">;

/** The rows whose usage must be read to know their revoked attempts. */
export function rowsNeedingUsage(rows: readonly RegistryRow[]): RegistryRow[] {
  return rows.filter((row) => stopped(row.status) && row.revoked_attempts === null);
}

/** The rows with the attempts read for them (a key missing from `usage` stays null: not reported). */
export function withRevokedAttempts(
  rows: readonly RegistryRow[],
  usage: ReadonlyMap<string, RevokedAttempts>,
): RegistryRow[] {
  return rows.map((row) => {
    const read = usage.get(row.id);
    if (read === undefined || typeof read.revoked_attempts !== "number") return row;
    return {
      ...row,
      revoked_attempts: read.revoked_attempts,
      last_revoked_attempt_at: read.last_revoked_attempt_at ?? null,
    };
  });
}

/** A rolled key was born of a rotation; the ApiKey serving it may know a later one (a re-mint). */
function lastRotated(key: ApiKey, serving: ClusterApiKey | undefined): string | null {
  return serving?.status?.lastRotatedAt ?? (key.rolled_from !== null ? key.created_at : null);
}

function whereUsed(a: ClusterApiKey, slot: SecretUse["slot"]): RegistryRow["where_used"] {
  const secret = a.status?.secretName ?? a.spec.secret?.name ?? a.name;
  return {
    secrets: [{ namespace: a.namespace, name: secret, slot }],
    restart_targets: (a.spec.restartTargets ?? []).map((t) => ({
      namespace: a.namespace,
      kind: t.kind,
      name: t.name,
    })),
  };
}

/** The instant a key stops working unless renewed: the earlier of its expiry and, when expiring, its scheduled end. */
export function keyDeadline(row: Pick<RegistryRow, "status" | "expires_at" | "expiring_at">): string | null {
  const ends = row.status === "expiring" ? row.expiring_at : null;
  if (ends === null) return row.expires_at;
  if (row.expires_at === null) return ends;
  return Date.parse(row.expires_at) < Date.parse(ends) ? row.expires_at : ends;
}

export interface RegistryFilter {
  /** Keep keys whose deadline falls within this many ms from now (past deadlines included). */
  expiringWithinMs?: number;
  /** Keep keys not used for this long; a never-used key counts from its creation. */
  unusedForMs?: number;
  unmanaged?: boolean;
  environment?: Environment;
  /** Compared case-insensitively: e-mail addresses are. */
  owner?: string;
  /** Keep revoked and expired keys too (default: only keys that still work). */
  all?: boolean;
  /**
   * Keep only keys presented after they stopped working (revoked_attempts > 0). The shell filters without it
   * first (stopped keys kept), reads usage for the stopped rows left, then filters with it.
   */
  revokedInUse?: boolean;
}

export function filterRegistry(
  rows: readonly RegistryRow[],
  filter: RegistryFilter,
  now: number,
): RegistryRow[] {
  const owner = filter.owner?.toLowerCase();
  return rows.filter((row) => {
    if (!filter.all && !filter.revokedInUse && stopped(row.status)) return false;
    if (filter.revokedInUse && !((row.revoked_attempts ?? 0) > 0)) return false;
    if (filter.environment !== undefined && row.environment !== filter.environment) return false;
    if (filter.unmanaged && row.managed_by !== "unmanaged") return false;
    if (owner !== undefined && row.owner?.toLowerCase() !== owner) return false;
    if (filter.expiringWithinMs !== undefined) {
      const deadline = keyDeadline(row);
      if (deadline === null || Date.parse(deadline) > now + filter.expiringWithinMs) return false;
    }
    if (filter.unusedForMs !== undefined) {
      const last = Date.parse(row.last_used_at ?? row.created_at);
      if (last > now - filter.unusedForMs) return false;
    }
    return true;
  });
}
