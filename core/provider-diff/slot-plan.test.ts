import { describe, expect, it } from "vitest";
import { ROTATION_REASONS } from "../rotation/rotation-due.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import { type ObservedKey, planSlot, SLOT_REASONS, type SlotPlan } from "./slot-plan.ts";

const DAY = 86_400_000;
const created = Date.parse("2026-01-01T00:00:00Z");
const now = created + 10 * DAY;

const spec: KeySpec = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
};
const healthy: ObservedKey = { status: "active", createdAt: created, expiresAt: created + 90 * DAY };

function plan(
  overrides: {
    after?: Partial<KeySpec>;
    key?: Partial<ObservedKey>;
    previousRevokeAt?: number | null;
    owner?: { before: string; after: string };
    at?: number;
  } = {},
): SlotPlan {
  return planSlot({
    before: spec,
    after: { ...spec, ...overrides.after },
    key: { ...healthy, ...overrides.key },
    previousRevokeAt: overrides.previousRevokeAt ?? null,
    ...(overrides.owner ? { owner: overrides.owner } : {}),
    now: overrides.at ?? now,
  });
}

describe("planSlot", () => {
  it.each<{
    name: string;
    given: Parameters<typeof plan>[0];
    action: SlotPlan["action"];
    reasons: string[];
    grace: boolean;
  }>([
    {
      name: "keeps a healthy key whose spec is unchanged",
      given: {},
      action: "keep",
      reasons: [],
      grace: false,
    },
    {
      name: "keeps the key when only the name changes",
      given: { after: { displayName: "Web" } },
      action: "keep",
      reasons: [],
      grace: false,
    },
    {
      name: "rolls when scopes change",
      given: { after: { scopes: ["agents:read"] } },
      action: "roll",
      reasons: [SLOT_REASONS.spec],
      grace: true,
    },
    {
      name: "rolls when the lifetime changes",
      given: { after: { expiresAfter: "60d" } },
      action: "roll",
      reasons: [SLOT_REASONS.spec],
      grace: true,
    },
    {
      name: "replaces with grace when the environment changes",
      given: { after: { environment: "test" } },
      action: "replace",
      reasons: [SLOT_REASONS.environment],
      grace: true,
    },
    {
      name: "keeps the key when the owner is the same",
      given: { owner: { before: "urn:a", after: "urn:a" } },
      action: "keep",
      reasons: [],
      grace: false,
    },
    {
      name: "replaces with grace when the owner moved, since a key's owner cannot change",
      given: { owner: { before: "urn:a", after: "urn:b" } },
      action: "replace",
      reasons: [SLOT_REASONS.ownerMoved],
      grace: true,
    },
    {
      name: "replaces rather than rolls when the owner moved and the scopes changed",
      given: { owner: { before: "urn:a", after: "urn:b" }, after: { scopes: ["agents:read"] } },
      action: "replace",
      reasons: [SLOT_REASONS.ownerMoved, SLOT_REASONS.spec],
      grace: true,
    },
    {
      name: "replaces without grace when the owner moved but the key was revoked",
      given: { owner: { before: "urn:a", after: "urn:b" }, key: { status: "revoked" } },
      action: "replace",
      reasons: [SLOT_REASONS.keyRevoked, SLOT_REASONS.ownerMoved],
      grace: false,
    },
    {
      name: "rolls when the rotation period has passed",
      given: { at: created + 30 * DAY },
      action: "roll",
      reasons: [ROTATION_REASONS.period],
      grace: true,
    },
    {
      name: "renews a key with a lifetime and no rotation once its renewal window opens, with grace",
      given: { after: { rotation: undefined }, at: created + 83 * DAY },
      action: "roll",
      reasons: [ROTATION_REASONS.renewBefore],
      grace: true,
    },
    {
      name: "keeps a key with a lifetime and no rotation until its renewal window opens",
      given: { after: { rotation: undefined }, at: created + 83 * DAY - 1 },
      action: "keep",
      reasons: [],
      grace: false,
    },
    {
      name: "replaces at once, without grace, a key found past its expiry",
      given: { after: { rotation: undefined }, at: created + 91 * DAY },
      action: "replace",
      reasons: [SLOT_REASONS.keyExpired, ROTATION_REASONS.expired],
      grace: false,
    },
    {
      name: "does not roll a millisecond before the rotation period",
      given: { at: created + 30 * DAY - 1 },
      action: "keep",
      reasons: [],
      grace: false,
    },
    {
      name: "rolls a key someone scheduled for revocation",
      given: { key: { status: "expiring" } },
      action: "roll",
      reasons: [SLOT_REASONS.keyExpiring],
      grace: true,
    },
    {
      name: "replaces a revoked key without grace",
      given: { key: { status: "revoked" } },
      action: "replace",
      reasons: [SLOT_REASONS.keyRevoked],
      grace: false,
    },
    {
      name: "replaces a key the API no longer knows",
      given: { key: { status: "missing" } },
      action: "replace",
      reasons: [SLOT_REASONS.keyMissing],
      grace: false,
    },
    {
      name: "replaces a key whose expiry has passed even if last seen active",
      given: { key: { expiresAt: now - 1 } },
      action: "replace",
      reasons: [SLOT_REASONS.keyExpired],
      grace: false,
    },
    {
      name: "replaces a revoked key in the new environment, naming both causes",
      given: { key: { status: "revoked" }, after: { environment: "test" } },
      action: "replace",
      reasons: [SLOT_REASONS.keyRevoked, SLOT_REASONS.environment],
      grace: false,
    },
  ])("$name", ({ given, action, reasons, grace }) => {
    const result = plan(given);
    expect(result.action).toBe(action);
    expect(result.reasons.slice(0, reasons.length)).toEqual(reasons);
    expect(result.graceForCurrentKey).toBe(grace);
    expect(result.changes).toBe(action !== "keep" || Object.keys(given?.after ?? {}).length > 0);
  });

  it("says nothing changed for a spec written differently but meaning the same", () => {
    const result = plan({
      after: {
        scopes: ["conversations:read", "agents:read"],
        rotation: { every: "720h", gracePeriod: "1w" },
      },
    });
    expect(result).toMatchObject({ action: "keep", changes: false });
  });

  it("records a schedule change without a new key", () => {
    const result = plan({ after: { rotation: { every: "14d", gracePeriod: "7d" } } });
    expect(result).toMatchObject({ action: "keep", changes: true });
    expect(result.edit.scheduleChanged).toEqual(["rotation.every"]);
    expect(result.rotation.at).toBe(created + 14 * DAY);
  });

  it("supersedes a previous key still in its grace period when a new key is minted", () => {
    const result = plan({ after: { scopes: ["agents:read"] }, previousRevokeAt: now + DAY });
    expect(result).toMatchObject({ action: "roll", supersedePrevious: true, forgetPrevious: false });
  });

  it("leaves a previous key in its grace period alone when the key is kept", () => {
    expect(plan({ previousRevokeAt: now + DAY })).toMatchObject({
      supersedePrevious: false,
      forgetPrevious: false,
      changes: false,
    });
  });

  it("forgets a previous key once its grace period is over", () => {
    expect(plan({ previousRevokeAt: now })).toMatchObject({
      action: "keep",
      forgetPrevious: true,
      changes: true,
    });
  });
});
