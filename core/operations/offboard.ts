// The seed's "Employee Departure" as a plan: for every working key a person owns (metadata `owner`), revoke it
// where nothing depends on it, rotate it where a managed consumer does (the ApiKey's workloads get the new key;
// any copy the person kept dies with the grace period), and refuse a Pulumi key with the command to run. An
// unmanaged key still in use is left for a person to decide: revoking it would break whatever uses it, and
// its new value would have nowhere to go. Pure: the CLI lists the keys and carries the plan out.
import type { ApiKey } from "../client/types.ts";
import { readKeyMetadata } from "../keys/key-metadata.ts";
import { DEFAULT_GRACE_MS, planRevoke, planRotate, type RunbookStep } from "./runbook.ts";
import { type KeyOwner, keyOwner } from "./target.ts";

export type OffboardAction = "revoke" | "rotate" | "refuse" | "review";

export interface OffboardItem {
  action: OffboardAction;
  /** The keys this item covers: one, or every key of one ApiKey / Pulumi resource (current and previous). */
  keys: Pick<ApiKey, "id" | "name" | "status" | "redacted" | "last_used_at">[];
  owner: KeyOwner;
  why: string;
  /** What the CLI carries out (revoke, rotate); absent for refuse and review. */
  step?: Extract<RunbookStep, { kind: "annotate" | "revoke" }>;
  /** What a person runs instead (refuse, review). */
  commands: string[];
}

export interface OffboardOptions {
  now: Date;
  /** An unmanaged key used within this window counts as depended on. */
  inUseWindowMs: number;
}

export class OwnerEmailError extends Error {
  override readonly name = "OwnerEmailError";
}

/** The person as given: trimmed, compared case-insensitively (mail addresses are, in practice). */
export function normaliseOwner(email: string): string {
  const text = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(text))
    throw new OwnerEmailError(`--owner ${JSON.stringify(email)} is not an email address (name@example.com)`);
  return text;
}

export function ownedBy(key: Pick<ApiKey, "metadata">, owner: string): boolean {
  return (readKeyMetadata(key.metadata, "owner") ?? "").trim().toLowerCase() === owner;
}

const brief = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  status: k.status,
  redacted: k.redacted,
  last_used_at: k.last_used_at,
});

/** Working keys of `owner`, one item per ApiKey, per Pulumi resource and per unmanaged key; newest key first. */
export function planOffboard(
  keys: readonly ApiKey[],
  owner: string,
  options: OffboardOptions,
): OffboardItem[] {
  const mine = keys
    .filter((k) => (k.status === "active" || k.status === "expiring") && ownedBy(k, owner))
    .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
  const groups = new Map<string, ApiKey[]>();
  for (const k of mine) {
    const o = keyOwner(k);
    const group =
      o.kind === "controller"
        ? `c:${o.cluster}/${o.namespace}/${o.name}`
        : o.kind === "pulumi"
          ? `p:${o.urn}`
          : `u:${k.id}`;
    groups.set(group, [...(groups.get(group) ?? []), k]);
  }
  return [...groups.values()].map((group) => itemFor(group, options));
}

function itemFor(group: ApiKey[], options: OffboardOptions): OffboardItem {
  const newest = group[0] as ApiKey; // groups are never empty
  const owner = keyOwner(newest);
  const keys = group.map(brief);
  if (owner.kind === "controller") {
    const step = planRotate(newest, owner, { graceMs: DEFAULT_GRACE_MS, now: options.now }).steps[0];
    return {
      action: "rotate",
      keys,
      owner,
      why: `ApiKey ${owner.namespace}/${owner.name} delivers it to workloads: a new key for them, the old one revoked after the grace period`,
      ...(step?.kind === "annotate" ? { step } : {}),
      commands: [],
    };
  }
  if (owner.kind === "pulumi") {
    const refusal = planRotate(newest, owner, { graceMs: DEFAULT_GRACE_MS, now: options.now }).steps[0];
    return {
      action: "refuse",
      keys,
      owner,
      why: `managed by Pulumi stack ${owner.stack ?? "?"}: rotate it with pulumi`,
      commands: refusal?.kind === "refuse" ? refusal.commands : [],
    };
  }
  const lastUsed = newest.last_used_at === null ? undefined : Date.parse(newest.last_used_at);
  if (lastUsed !== undefined && options.now.getTime() - lastUsed < options.inUseWindowMs)
    return {
      action: "review",
      keys,
      owner,
      why: `unmanaged and in use (last used ${newest.last_used_at}): revoking it would break what uses it`,
      commands: [
        `ayra-keys rotate ${newest.id} --secret-file new-key.txt   # then hand the new key to whoever runs it`,
        `ayra-keys revoke ${newest.id} --reason employee_departure   # once nothing needs it`,
      ],
    };
  const step = planRevoke(newest, owner, { reason: "employee_departure", now: options.now }).steps[0];
  return {
    action: "revoke",
    keys,
    owner,
    why:
      newest.last_used_at === null
        ? "unmanaged and never used"
        : `unmanaged, last used ${newest.last_used_at}`,
    ...(step?.kind === "revoke" ? { step } : {}),
    commands: [],
  };
}

export interface OffboardSummary {
  revoked: number;
  rotated: number;
  refused: number;
  review: number;
  failed: number;
}
