// How a key reads in the dashboard: its status line, who manages it, and the text searched and sorted on.

import { KEY_METADATA, MANAGED_BY, readKeyMetadata } from "../../../core/keys/key-metadata.ts";
import { keyOwner } from "../../../core/operations/key-owner.ts";
import { type ApiKey, REVOCATION_REASONS } from "./types.ts";

/** The `managed_by` value of keys created on this page. */
export const DASHBOARD_MANAGED_BY = MANAGED_BY.dashboard;

export type ManagerKind = "controller" | "pulumi" | "dashboard" | "unmanaged";

export interface Manager {
  kind: ManagerKind;
  /** Where the key is declared: `namespace/name` of its ApiKey, or the Pulumi stack; absent otherwise. */
  where?: string;
  /** The Pulumi resource's URN. */
  urn?: string;
  cluster?: string;
}

export function managerOf(key: Pick<ApiKey, "metadata">): Manager {
  const owner = keyOwner(key.metadata);
  switch (owner.kind) {
    case "controller":
      return {
        kind: "controller",
        where: `${owner.namespace}/${owner.name}`,
        ...(owner.cluster ? { cluster: owner.cluster } : {}),
      };
    case "pulumi":
      return { kind: "pulumi", where: owner.stack, urn: owner.urn };
    case "unmanaged":
      return readKeyMetadata(key.metadata, "managedBy") === DASHBOARD_MANAGED_BY
        ? { kind: "dashboard" }
        : { kind: "unmanaged" };
  }
}

/** Managed keys are changed through their manifest or stack, never in place. */
export function isDeclared(manager: Manager): boolean {
  return manager.kind === "controller" || manager.kind === "pulumi";
}

export const MANAGER_LABEL: Record<ManagerKind, string> = {
  controller: "Controller",
  pulumi: "Pulumi",
  dashboard: "Dashboard",
  unmanaged: "Unmanaged",
};

export function reasonLabel(reason: string | null): string {
  return REVOCATION_REASONS.find((r) => r.value === reason)?.label.replace(/ \(.*$/, "") ?? "no reason";
}

const dateFormat = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", day: "numeric" });
const timeFormat = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

export function formatDate(iso: string | null, none = "Never"): string {
  return iso === null ? none : dateFormat.format(new Date(iso));
}

export function formatTime(iso: string | null, none = "Never"): string {
  return iso === null ? none : timeFormat.format(new Date(iso));
}

/** "2 hours ago", "in 3 days": the seed's "Last Used: 2 hours ago". */
export function relative(iso: string | null, now: number, none = "Never"): string {
  if (iso === null) return none;
  const diff = Date.parse(iso) - now;
  const abs = Math.abs(diff);
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
  ];
  for (const [ms, unit] of units) {
    if (abs >= ms) {
      const n = Math.floor(abs / ms);
      const text = `${n} ${unit}${n === 1 ? "" : "s"}`;
      return diff < 0 ? `${text} ago` : `in ${text}`;
    }
  }
  return diff < 0 ? "just now" : "in under a minute";
}

/** The status as the list shows it: active, expiring with its deadline, expired, revoked with its reason. */
export function statusText(key: ApiKey): string {
  switch (key.status) {
    case "active":
      return "Active";
    case "expiring":
      return `Expiring ${formatTime(key.expiring_at)}`;
    case "expired":
      return `Expired ${formatDate(key.expires_at, "")}`.trim();
    case "revoked":
      return `Revoked: ${reasonLabel(key.revocation_reason)}`;
  }
}

/** The deadline after which the key stops working, if it has one and still works. */
export function deadlineOf(key: ApiKey): string | null {
  if (key.status === "expiring") return key.expiring_at;
  if (key.status === "active") return key.expires_at;
  return null;
}

export function ownerOf(key: ApiKey): string {
  return readKeyMetadata(key.metadata, "owner") ?? "";
}

export function purposeOf(key: ApiKey): string {
  return key.metadata[KEY_METADATA.purpose] ?? "";
}
