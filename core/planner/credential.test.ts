import { describe, expect, it } from "vitest";
import {
  type CredentialKeyFacts,
  type CredentialPlanInput,
  isFormerCredential,
  planCredential,
  replayMargin,
} from "./credential.ts";
import {
  applyCredentialRecord,
  CREDENTIAL_ANNOTATIONS,
  type CredentialRecord,
  readCredentialRecord,
} from "./credential-record.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-01T00:00:00Z");

/** A fake clock: every input is built at `clock.now`, moved by the test. */
const clock = { now: T0 };

function key(overrides: Partial<CredentialKeyFacts> = {}): CredentialKeyFacts {
  return {
    id: "key_current",
    status: "active",
    createdAt: T0 - DAY,
    expiresAt: null,
    expiringAt: null,
    replacedBy: null,
    ...overrides,
  };
}

function input(record: CredentialRecord, overrides: Partial<CredentialPlanInput> = {}): CredentialPlanInput {
  return {
    record,
    current: key(),
    now: clock.now,
    rotationIntervalMs: 30 * DAY,
    graceMs: DAY,
    replayWindowMs: DAY,
    freshIdempotencyKey: "idem-fresh",
    ...overrides,
  };
}

const rotated: CredentialRecord = { keyId: "key_current", rotatedAt: T0 };

describe("planCredential: the schedule", () => {
  it("rolls a bootstrap key (no rotated-at) at once, recording a new Idempotency-Key first", () => {
    clock.now = T0;
    expect(planCredential(input({}))).toEqual({
      kind: "start",
      reason: "bootstrap",
      pending: { kind: "roll", idempotencyKey: "idem-fresh", startedAt: T0, oldKeyId: "key_current" },
    });
  });

  it("treats a key the controller did not write (another id in the Secret) as a bootstrap key", () => {
    clock.now = T0 + HOUR;
    const action = planCredential(input({ keyId: "key_other", rotatedAt: T0 }));
    expect(action).toMatchObject({ kind: "start", reason: "bootstrap" });
  });

  it("waits for the interval, then rolls", () => {
    clock.now = T0 + 29 * DAY;
    expect(planCredential(input(rotated))).toEqual({
      kind: "none",
      wakeAt: T0 + 30 * DAY,
      nextRotationAt: T0 + 30 * DAY,
    });
    clock.now = T0 + 30 * DAY;
    expect(planCredential(input(rotated))).toMatchObject({
      kind: "start",
      reason: "schedule",
      pending: { kind: "roll", startedAt: T0 + 30 * DAY },
    });
  });

  it("rolls a key before it expires, one grace ahead", () => {
    clock.now = T0 + 5 * DAY;
    const current = key({ expiresAt: T0 + 10 * DAY });
    expect(planCredential(input(rotated, { current }))).toMatchObject({ kind: "none", wakeAt: T0 + 9 * DAY });
    clock.now = T0 + 9 * DAY;
    expect(planCredential(input(rotated, { current }))).toMatchObject({ kind: "start", reason: "expiry" });
  });

  it("mints a successor when someone else rolled the controller's key", () => {
    clock.now = T0 + DAY;
    const current = key({ status: "expiring", expiringAt: T0 + 2 * DAY, replacedBy: "key_theirs" });
    expect(planCredential(input(rotated, { current }))).toEqual({
      kind: "start",
      reason: "replaced-elsewhere",
      pending: {
        kind: "successor",
        idempotencyKey: "idem-fresh",
        startedAt: T0 + DAY,
        oldKeyId: "key_current",
      },
    });
  });

  it("says a revoked or expired key is stuck: nothing it could call would work", () => {
    expect(planCredential(input(rotated, { current: key({ status: "revoked" }) }))).toEqual({
      kind: "stuck",
      status: "revoked",
    });
  });
});

describe("planCredential: a roll in flight", () => {
  const pending = {
    kind: "roll" as const,
    idempotencyKey: "idem-recorded",
    startedAt: T0,
    oldKeyId: "key_current",
  };

  it("writes the obtained key, clearing the pending roll and recording the previous key's revocation", () => {
    clock.now = T0 + 1000;
    expect(planCredential(input({ ...rotated, pending }, { obtained: { keyId: "key_new" } }))).toEqual({
      kind: "write",
      record: {
        keyId: "key_new",
        rotatedAt: T0 + 1000,
        previous: { id: "key_current", revokeAfter: T0 + 1000 + DAY },
      },
    });
  });

  it("never records the Secret's own key as the one to revoke: a write whose answer was lost is done", () => {
    clock.now = T0 + 2000;
    // The write landed: the Secret holds the new key and its record, without the pending roll.
    const current = key({ id: "key_new" });
    const written = {
      keyId: "key_new",
      rotatedAt: T0 + 1000,
      previous: { id: "key_current", revokeAfter: T0 + DAY },
    };
    expect(planCredential(input(written, { current, obtained: { keyId: "key_new" } }))).toEqual({
      kind: "forget-obtained",
      revoke: false,
    });
  });

  it("drops (and revokes) a key obtained when someone else changed the Secret meanwhile", () => {
    clock.now = T0 + 2000;
    const current = key({ id: "key_by_hand" });
    for (const record of [{ keyId: "key_by_hand" }, { keyId: "key_by_hand", pending }])
      expect(planCredential(input(record, { current, obtained: { keyId: "key_new" } }))).toEqual({
        kind: "forget-obtained",
        revoke: true,
      });
  });

  it("replays the recorded roll after a crash, with its own Idempotency-Key", () => {
    clock.now = T0 + HOUR;
    const current = key({ status: "expiring", replacedBy: "key_new", expiringAt: T0 + DAY });
    expect(planCredential(input({ ...rotated, pending }, { current }))).toEqual({ kind: "replay", pending });
  });

  it("sends the recorded roll when it never reached the service, whatever the time", () => {
    clock.now = T0 + 3 * DAY;
    expect(planCredential(input({ ...rotated, pending }))).toEqual({ kind: "replay", pending });
  });

  it("mints a successor and names the orphan once the replay window has passed (with a margin for clocks)", () => {
    const current = key({ status: "expiring", replacedBy: "key_orphan", expiringAt: T0 + 2 * DAY });
    const windowMs = 10 * 60_000;
    clock.now = T0 + windowMs - replayMargin(windowMs) - 1;
    expect(planCredential(input({ ...rotated, pending }, { current, replayWindowMs: windowMs }))).toEqual({
      kind: "replay",
      pending,
    });
    clock.now = T0 + windowMs - replayMargin(windowMs);
    expect(planCredential(input({ ...rotated, pending }, { current, replayWindowMs: windowMs }))).toEqual({
      kind: "start",
      reason: "replay-window-passed",
      pending: {
        kind: "successor",
        idempotencyKey: "idem-fresh",
        startedAt: clock.now,
        oldKeyId: "key_current",
        orphanKeyId: "key_orphan",
      },
    });
  });

  it("mints a successor when the service refused the replay, even inside the window it was told", () => {
    clock.now = T0 + 1000;
    const current = key({ status: "expiring", replacedBy: "key_orphan", expiringAt: T0 + DAY });
    const action = planCredential(input({ ...rotated, pending }, { current, replayRefused: true }));
    expect(action).toMatchObject({
      kind: "start",
      pending: { kind: "successor", orphanKeyId: "key_orphan" },
    });
  });

  it("replays a recorded successor create", () => {
    const successor = { ...pending, kind: "successor" as const, orphanKeyId: "key_orphan" };
    const current = key({ status: "expiring", replacedBy: "key_orphan", expiringAt: T0 + DAY });
    expect(planCredential(input({ ...rotated, pending: successor }, { current }))).toEqual({
      kind: "replay",
      pending: successor,
    });
  });

  it("forgets a pending roll when the Secret now holds another key", () => {
    const current = key({ id: "key_put_by_hand" });
    expect(planCredential(input({ ...rotated, pending }, { current }))).toEqual({ kind: "forget-pending" });
  });
});

describe("planCredential: the replaced key", () => {
  const withPrevious: CredentialRecord = { ...rotated, previous: { id: "key_old", revokeAfter: T0 + DAY } };

  it("waits out the grace, then revokes the previous key", () => {
    clock.now = T0 + HOUR;
    expect(planCredential(input(withPrevious))).toEqual({
      kind: "none",
      wakeAt: T0 + DAY,
      nextRotationAt: T0 + 30 * DAY,
    });
    clock.now = T0 + DAY;
    expect(planCredential(input(withPrevious))).toEqual({ kind: "revoke-previous", keyId: "key_old" });
  });

  it("does not start the next roll before the previous key is revoked", () => {
    clock.now = T0 + DAY - 1;
    const short = input(withPrevious, { rotationIntervalMs: HOUR });
    expect(planCredential(short)).toMatchObject({ kind: "none", wakeAt: T0 + DAY });
  });
});

describe("the credential record in annotations", () => {
  it("round-trips ids and times, and holds nothing else", () => {
    const record: CredentialRecord = {
      keyId: "key_abc",
      rotatedAt: T0,
      pending: {
        kind: "successor",
        idempotencyKey: "i-1",
        startedAt: T0,
        oldKeyId: "key_a",
        orphanKeyId: "key_b",
      },
      previous: { id: "key_a", revokeAfter: T0 + DAY },
    };
    const annotations = applyCredentialRecord({ other: "kept" }, record);
    expect(readCredentialRecord(annotations)).toEqual(record);
    expect(annotations.other).toBe("kept");
    expect(annotations[CREDENTIAL_ANNOTATIONS.rotatedAt]).toBe("2026-03-01T00:00:00.000Z");
    expect(JSON.stringify(annotations)).not.toMatch(/sk_(live|test)_/);
  });

  it("removes what the record no longer holds", () => {
    const before = applyCredentialRecord(
      {},
      { ...rotated, pending: undefined, previous: { id: "key_a", revokeAfter: T0 } },
    );
    const after = applyCredentialRecord(before, rotated);
    expect(Object.keys(after).sort()).toEqual(
      [CREDENTIAL_ANNOTATIONS.keyId, CREDENTIAL_ANNOTATIONS.rotatedAt].sort(),
    );
  });

  it("reads malformed values as absent", () => {
    expect(
      readCredentialRecord({
        [CREDENTIAL_ANNOTATIONS.rotatedAt]: "yesterday",
        [CREDENTIAL_ANNOTATIONS.pending]: "{not json",
        [CREDENTIAL_ANNOTATIONS.previous]: JSON.stringify({ id: 7 }),
      }),
    ).toEqual({});
  });
});

describe("isFormerCredential: which key named in the Secret's record may be revoked", () => {
  const current = {
    id: "key_now",
    replaced_by: null,
    name: "ayra-keys controller",
    environment: "live" as const,
    metadata: { managed_by: "ayra-keys-controller" },
  };
  it("is the key rolled into the current one, or a successor's predecessor (same name, environment, metadata)", () => {
    expect(isFormerCredential({ ...current, id: "key_old", replaced_by: "key_now" }, current)).toBe(true);
    expect(isFormerCredential({ ...current, id: "key_old", replaced_by: "key_orphan" }, current)).toBe(true);
  });
  it("is never the current key, nor another team's key an annotation names", () => {
    expect(isFormerCredential(current, current)).toBe(false);
    expect(isFormerCredential({ ...current, id: "key_other", name: "Payments web" }, current)).toBe(false);
    expect(isFormerCredential({ ...current, id: "key_other", metadata: {} }, current)).toBe(false);
  });
});
