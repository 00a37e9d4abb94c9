// Ready says whether consumers picked the new key up (quietPeriod keys), on a fake clock: not before the
// quiet period since the rotation has passed, while the previous key is kept, when its grace ends unused
// (then until the next rotation), and never for keys without a quietPeriod.
import { describe, expect, it } from "vitest";
import { DAY, HOUR, iso, ledgerKey, OWNER, SEC, T0 } from "../../test/harness/planner-keys.ts";
import { plan } from "./plan.ts";
import { REASONS } from "./reasons.ts";
import type { ApiKeyStatus, Condition, Decision, Snapshot } from "./types.ts";

const key = ledgerKey;

const quietSpec = {
  displayName: "Ledger Sync",
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d", quietPeriod: "1h" },
};

const rotated: ApiKeyStatus = {
  observedGeneration: 1,
  keyId: "key_new",
  redacted: "sk_test_abc123...WXYZ",
  createdAt: iso(T0),
  expiresAt: iso(T0 + 90 * DAY),
  nextRotationAt: iso(T0 + 30 * DAY),
  secretName: "web",
  lastRotatedAt: iso(T0),
  previousKeys: [{ keyId: "key_old", redacted: "sk_test_old...ABCD", revokeAfter: iso(T0 + 7 * DAY) }],
};

const unused = { lastUsedAt: null, flushIntervalMs: 5 * SEC };

function snapshot(now: number, more: Partial<Snapshot> = {}): Snapshot {
  return {
    now,
    clusterId: OWNER.clusterId,
    object: { ...OWNER, generation: 1, deleting: false, hasFinalizer: false, annotations: {} },
    spec: quietSpec,
    status: rotated,
    secret: {
      state: "owned",
      keyId: "key_new",
      previousKeyId: "key_old",
      currentIntact: true,
      previousIntact: true,
      hasPrevious: true,
      shapeOk: true,
    },
    secretClaimedBy: undefined,
    policy: { namespace: OWNER.namespace, namespaceLabels: {}, policies: [] },
    keys: [key("key_new"), key("key_old", { status: "expiring", createdAt: T0 - 30 * DAY })],
    unanswered: undefined,
    refusal: undefined,
    targets: [],
    previousUsage: unused,
    currentUsage: unused,
    verifications: [{ keyId: "key_new", active: true, at: T0, failures: 0 }],
    ...more,
  };
}

function ready(d: Decision): Condition | undefined {
  if (d.action !== "writeStatus" && d.action !== "dropPrevious" && d.action !== "revokeKeys")
    return undefined;
  return d.status.conditions?.find((c) => c.type === "Ready");
}

/** Plans, applies the status written (as the shell would), and plans again until the planner waits. */
function settle(s: Snapshot): { status: ApiKeyStatus; decisions: Decision[] } {
  let current = s;
  const decisions: Decision[] = [];
  for (let i = 0; i < 5; i++) {
    const d = plan(current);
    decisions.push(d);
    if (d.action === "wait") return { status: current.status, decisions };
    if (d.action !== "writeStatus" && d.action !== "dropPrevious" && d.action !== "revokeKeys")
      throw new Error(`unexpected ${d.action}`);
    current = { ...current, status: d.status };
    if (d.action === "dropPrevious" || d.action === "revokeKeys")
      current = { ...current, previousUsage: undefined, currentUsage: undefined };
  }
  throw new Error("no steady state");
}

describe("Ready and the new key's adoption (quietPeriod)", () => {
  it("says Ready within the quiet period after the rotation: consumers may still be restarting", () => {
    const { status } = settle(snapshot(T0 + 30 * 60_000));
    expect(status.conditions?.find((c) => c.type === "Ready")?.reason).toBe(REASONS.Ready);
  });

  it("says NewKeyNotAdopted once the quiet period has passed with the new key unused, and keeps the old key", () => {
    const { status, decisions } = settle(snapshot(T0 + 2 * HOUR));
    const r = status.conditions?.find((c) => c.type === "Ready");
    expect(r).toMatchObject({ status: "True", reason: REASONS.NewKeyNotAdopted });
    expect(r?.message).toContain("key_new");
    expect(r?.message).toContain("key_old");
    expect(r?.message).toContain(iso(T0 + 7 * DAY));
    // Not revoked early, however quiet the old key; no Warning yet (that is for the end of the grace).
    expect(status.previousKeys?.map((p) => p.keyId)).toEqual(["key_old"]);
    expect(decisions.some((d) => d.action === "revokeKeys")).toBe(false);
    expect(decisions.flatMap((d) => ("notices" in d ? d.notices : []))).toEqual([]);
  });

  it("goes back to Ready and revokes the quiet old key early once the new key is used", () => {
    const held = settle(snapshot(T0 + 2 * HOUR)).status;
    const used = { lastUsedAt: T0 + 2 * HOUR, flushIntervalMs: 5 * SEC };
    const d = plan(snapshot(T0 + 3 * HOUR, { status: held, currentUsage: used }));
    expect(d).toMatchObject({ action: "revokeKeys", why: REASONS.PreviousKeyQuiet, keyIds: ["key_old"] });
    expect(ready(d)).toMatchObject({ status: "True", reason: REASONS.Ready });
  });

  it("at the end of the grace period unused: a Warning, and Ready keeps saying so until the next rotation", () => {
    const held = settle(snapshot(T0 + 2 * HOUR)).status;
    const end = T0 + 7 * DAY + SEC;
    const dropped = plan(snapshot(end, { status: held }));
    expect(dropped).toMatchObject({ action: "dropPrevious", why: REASONS.GracePeriodOver });
    if (dropped.action !== "dropPrevious") return;
    expect(dropped.notices).toMatchObject([{ type: "Warning", reason: REASONS.NewKeyNotAdopted }]);
    expect(ready(dropped)).toMatchObject({ status: "True", reason: REASONS.NewKeyNotAdopted });
    expect(ready(dropped)?.message).toContain("within the grace period");

    // Days later, with no usage read any more (promise 5), it still says so — and writes nothing new.
    const later = snapshot(end + 3 * DAY, {
      status: dropped.status,
      keys: [key("key_new"), key("key_old", { status: "revoked" })],
      previousUsage: undefined,
      currentUsage: undefined,
      targets: undefined,
    });
    const { status, decisions } = settle(later);
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      reason: REASONS.NewKeyNotAdopted,
      message: ready(dropped)?.message,
    });
    expect(decisions.map((d) => d.action)).toEqual(["wait"]);
  });

  it("says Ready at the end of the grace period when the new key was used", () => {
    const used = { lastUsedAt: T0 + 10 * 60_000, flushIntervalMs: 5 * SEC };
    // The old key kept being used too, so it was never quiet: it leaves at the end of its grace.
    const busyOld = { lastUsedAt: T0 + 7 * DAY - HOUR, flushIntervalMs: 5 * SEC };
    const d = plan(snapshot(T0 + 7 * DAY + SEC, { currentUsage: used, previousUsage: busyOld }));
    expect(d).toMatchObject({ action: "dropPrevious", notices: [] });
    expect(ready(d)).toMatchObject({ reason: REASONS.Ready });
  });

  it("never says NewKeyNotAdopted for a key without a quietPeriod (no usage is read for it)", () => {
    const spec = { ...quietSpec, rotation: { every: "30d", gracePeriod: "7d" } };
    const s = snapshot(T0 + 2 * HOUR, {
      spec,
      previousUsage: undefined,
      currentUsage: undefined,
      targets: undefined,
    });
    const { status } = settle(s);
    expect(status.conditions?.find((c) => c.type === "Ready")?.reason).toBe(REASONS.Ready);
    const end = plan(
      snapshot(T0 + 7 * DAY + SEC, { spec, previousUsage: undefined, currentUsage: undefined }),
    );
    expect(end).toMatchObject({ action: "dropPrevious", notices: [] });
    expect(ready(end)?.reason).toBe(REASONS.Ready);
  });
});
