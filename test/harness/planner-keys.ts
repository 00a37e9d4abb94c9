// A key of the "Ledger Sync" ApiKey as the keys service reports it to the planner, minted by the controller for
// team-a/web; shared by the planner's fake-clock tests of the verify step and of adoption.
import type { KeyRecord } from "../../core/planner/types.ts";

export const T0 = Date.parse("2026-03-01T00:00:00Z");
export const SEC = 1000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const iso = (ms: number) => new Date(ms).toISOString();
export const OWNER = { clusterId: "c1", namespace: "team-a", name: "web", uid: "uid-1" };

export function ledgerKey(id: string, patch: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    status: "active",
    name: "Ledger Sync",
    environment: "test",
    scopes: ["agents:read"],
    redacted: "sk_test_abc123...WXYZ",
    createdAt: T0,
    expiresAt: T0 + 90 * DAY,
    rolledFrom: null,
    metadata: {
      managed_by: "ayra-keys-controller",
      k8s_cluster: OWNER.clusterId,
      k8s_namespace: OWNER.namespace,
      k8s_name: OWNER.name,
      k8s_uid: OWNER.uid,
      deletion_policy: "Revoke",
    },
    ...patch,
  };
}
