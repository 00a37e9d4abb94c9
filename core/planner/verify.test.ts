// The verify step, on a fake clock: nothing older is retired before the current key has introspected
// active; a key that fails is checked again with backoff while Ready says why, once.
import { describe, expect, it } from "vitest";
import { DAY, HOUR, iso, ledgerKey, OWNER, SEC, T0 } from "../../test/harness/planner-keys.ts";
import { plan } from "./plan.ts";
import { REASONS } from "./reasons.ts";
import type { ApiKeyStatus, KeyVerification, Snapshot } from "./types.ts";
import { VERIFY_BACKOFF, verifyRetryAt } from "./verify.ts";

const key = ledgerKey;

const spec = {
  displayName: "Ledger Sync",
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
};

/** Rotated at T0; the previous key's grace ends at T0 + 7d. */
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

function snapshot(now: number, verification: KeyVerification | undefined, more: Partial<Snapshot> = {}) {
  const s: Snapshot = {
    now,
    clusterId: OWNER.clusterId,
    object: { ...OWNER, generation: 1, deleting: false, hasFinalizer: false, annotations: {} },
    spec,
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
    keys: [
      key("key_new", { createdAt: T0 }),
      key("key_old", { status: "expiring", createdAt: T0 - 30 * DAY }),
    ],
    unanswered: undefined,
    refusal: undefined,
    targets: undefined,
    previousUsage: undefined,
    verifications: verification === undefined ? [] : [verification],
    ...more,
  };
  return s;
}

const graceOver = T0 + 7 * DAY + SEC;

describe("verify before retiring", () => {
  it("asks to verify the current key when the grace period ends, and retires nothing yet", () => {
    expect(plan(snapshot(graceOver, undefined))).toEqual({
      action: "verifyKey",
      why: REASONS.GracePeriodOver,
      keyId: "key_new",
    });
  });

  it("asks again for a key whose check was of another key (a newer rotation)", () => {
    const old: KeyVerification = { keyId: "key_old", active: true, at: T0 - DAY, failures: 0 };
    expect(plan(snapshot(graceOver, old))).toMatchObject({ action: "verifyKey", keyId: "key_new" });
  });

  it("reads the current key's check among those of other keys", () => {
    const oldOk: KeyVerification = { keyId: "key_old", active: true, at: T0 - DAY, failures: 0 };
    const newFailed: KeyVerification = { keyId: "key_new", active: false, at: graceOver, failures: 1 };
    const d = plan({ ...snapshot(graceOver + SEC, undefined), verifications: [oldOk, newFailed] });
    expect(d).toMatchObject({ action: "writeStatus", why: REASONS.NewKeyNotActive });
  });

  it("retires once the key introspected active, without asking again", () => {
    const ok: KeyVerification = { keyId: "key_new", active: true, at: T0 + HOUR, failures: 0 };
    const d = plan(snapshot(graceOver, ok));
    expect(d).toMatchObject({ action: "dropPrevious", why: REASONS.GracePeriodOver });
  });

  it("before a newer rotation's superseded key is revoked too", () => {
    const status = {
      ...rotated,
      previousKeys: [
        { keyId: "key_old", redacted: "r", revokeAfter: iso(T0 + 7 * DAY) },
        { keyId: "key_older", redacted: "r", revokeAfter: iso(T0 + 2 * DAY) },
      ],
    };
    const keys = [
      key("key_new"),
      key("key_old", { status: "expiring" }),
      key("key_older", { status: "expiring" }),
    ];
    expect(plan(snapshot(T0 + HOUR, undefined, { status, keys }))).toEqual({
      action: "verifyKey",
      why: REASONS.SupersededPrevious,
      keyId: "key_new",
    });
  });

  it("before an early revocation of a quiet previous key", () => {
    const quiet = { ...spec, rotation: { ...spec.rotation, quietPeriod: "1h" } };
    const d = plan(
      snapshot(T0 + 3 * HOUR, undefined, {
        spec: quiet,
        targets: [],
        previousUsage: { lastUsedAt: T0 - HOUR, flushIntervalMs: 5 * SEC },
        currentUsage: { lastUsedAt: T0 + HOUR, flushIntervalMs: 5 * SEC },
      }),
    );
    expect(d).toEqual({ action: "verifyKey", why: REASONS.PreviousKeyQuiet, keyId: "key_new" });
  });

  it("verifies nothing while nothing is to be retired (one check per rotation, at retirement)", () => {
    const first = plan(snapshot(T0 + HOUR, undefined));
    expect(first).toMatchObject({ action: "writeStatus", why: REASONS.StatusStale });
    if (first.action !== "writeStatus") return;
    expect(plan(snapshot(T0 + HOUR, undefined, { status: first.status }))).toMatchObject({
      action: "wait",
      why: REASONS.Ready,
    });
  });

  it("holds a key that failed its check: Ready False with NewKeyNotActive and a Warning, once", () => {
    const failed: KeyVerification = { keyId: "key_new", active: false, at: graceOver, failures: 1 };
    const d = plan(snapshot(graceOver + SEC, failed));
    expect(d.action).toBe("writeStatus");
    if (d.action !== "writeStatus") return;
    expect(d.why).toBe(REASONS.NewKeyNotActive);
    // Nothing retired: the previous key stays in status (and so in the Secret).
    expect(d.status.previousKeys).toEqual(rotated.previousKeys);
    const ready = d.status.conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "False", reason: REASONS.NewKeyNotActive });
    expect(ready?.message).toContain("key_new");
    expect(ready?.message).toContain("key_old");
    expect(d.status.conditions?.find((c) => c.type === "Reconciling")).toMatchObject({
      status: "True",
      reason: REASONS.NewKeyNotActive,
    });
    expect(d.notices).toEqual([
      { type: "Warning", reason: REASONS.NewKeyNotActive, message: ready?.message },
    ]);

    // Said once: with the condition written, the next pass waits for the retry instead of writing again.
    const again = plan(snapshot(graceOver + 2 * SEC, failed, { status: d.status }));
    expect(again).toEqual({
      action: "wait",
      why: REASONS.NewKeyNotActive,
      requeueAfterMs: verifyRetryAt(failed) - (graceOver + 2 * SEC),
    });
  });

  it("checks a failed key again after the backoff, and retires once it passes", () => {
    const failed: KeyVerification = { keyId: "key_new", active: false, at: graceOver, failures: 1 };
    const retryAt = verifyRetryAt(failed);
    expect(plan(snapshot(retryAt, failed))).toMatchObject({ action: "verifyKey", keyId: "key_new" });
    const passed: KeyVerification = { keyId: "key_new", active: true, at: retryAt, failures: 0 };
    expect(plan(snapshot(retryAt + SEC, passed))).toMatchObject({ action: "dropPrevious" });
  });

  it("backs off 5 s, doubling, at most 5 minutes", () => {
    const at = (failures: number) => verifyRetryAt({ keyId: "k", active: false, at: 0, failures });
    expect([1, 2, 3, 4].map(at)).toEqual([5 * SEC, 10 * SEC, 20 * SEC, 40 * SEC]);
    expect(at(7)).toBe(VERIFY_BACKOFF.maxMs);
    expect(at(1000)).toBe(VERIFY_BACKOFF.maxMs);
  });

  it("replaces a key the keys service reports revoked, keeping the previous key (no verify needed)", () => {
    const failed: KeyVerification = { keyId: "key_new", active: false, at: graceOver, failures: 1 };
    const keys = [key("key_new", { status: "revoked" }), key("key_old", { status: "expiring" })];
    const d = plan(snapshot(graceOver + SEC, failed, { keys }));
    expect(d).toMatchObject({ action: "mint", why: REASONS.KeyRevokedOutOfBand });
    if (d.action === "mint") expect(d.plan.keepPrevious.map((p) => p.keyId)).toEqual(["key_old"]);
  });
});
