import { describe, expect, it } from "vitest";
import {
  defaultRenewBeforeMs,
  gracePeriodMs,
  nextRotation,
  type RenewalOptions,
  ROTATION_REASONS,
  rotationDue,
} from "./rotation-due.ts";

const DAY = 86_400_000;
const MINUTE = 60_000;
const created = Date.parse("2026-01-01T00:00:00Z");

describe("nextRotation", () => {
  it.each([
    {
      name: "never rotates a key with no schedule and no expiry",
      rotation: undefined,
      expiresAt: null,
      at: null,
      reason: null,
    },
    {
      name: "rotates every period from creation",
      rotation: { every: "30d" },
      expiresAt: null,
      at: created + 30 * DAY,
      reason: ROTATION_REASONS.period,
    },
    {
      name: "rotates renewBefore ahead of expiry when that comes first",
      rotation: { every: "30d", renewBefore: "7d" },
      expiresAt: created + 20 * DAY,
      at: created + 13 * DAY,
      reason: ROTATION_REASONS.renewBefore,
    },
    {
      name: "rotates on the period when it comes before the renewal window",
      rotation: { every: "30d", renewBefore: "7d" },
      expiresAt: created + 90 * DAY,
      at: created + 30 * DAY,
      reason: ROTATION_REASONS.period,
    },
    {
      name: "renews a 90-day key 7 days before expiry when no rotation is declared",
      rotation: undefined,
      expiresAt: created + 90 * DAY,
      at: created + 83 * DAY,
      reason: ROTATION_REASONS.renewBefore,
    },
    {
      name: "renews a 15-day key at two thirds of its lifetime",
      rotation: undefined,
      expiresAt: created + 15 * DAY,
      at: created + 10 * DAY,
      reason: ROTATION_REASONS.renewBefore,
    },
    {
      name: "renews a 30-minute key after 20 minutes",
      rotation: undefined,
      expiresAt: created + 30 * MINUTE,
      at: created + 20 * MINUTE,
      reason: ROTATION_REASONS.renewBefore,
    },
    {
      name: "renews a 30-second key after 20 seconds",
      rotation: undefined,
      expiresAt: created + 30_000,
      at: created + 20_000,
      reason: ROTATION_REASONS.renewBefore,
    },
    {
      name: "renews by default when only a grace period is declared",
      rotation: { gracePeriod: "1d" },
      expiresAt: created + 21 * DAY,
      at: created + 14 * DAY,
      reason: ROTATION_REASONS.renewBefore,
    },
    {
      name: "keeps the period when it comes before the default renewal",
      rotation: { every: "30d" },
      expiresAt: created + 90 * DAY,
      at: created + 30 * DAY,
      reason: ROTATION_REASONS.period,
    },
    {
      name: "renews by default when that comes before the period",
      rotation: { every: "80d" },
      expiresAt: created + 81 * DAY,
      at: created + 74 * DAY,
      reason: ROTATION_REASONS.renewBefore,
    },
    {
      name: "takes an explicit renewBefore over the default, even a longer one",
      rotation: { renewBefore: "20d" },
      expiresAt: created + 90 * DAY,
      at: created + 70 * DAY,
      reason: ROTATION_REASONS.renewBefore,
    },
    {
      name: "reads ISO 8601 durations",
      rotation: { every: "P1DT12H" },
      expiresAt: null,
      at: created + 1.5 * DAY,
      reason: ROTATION_REASONS.period,
    },
  ])("$name", ({ rotation, expiresAt, at, reason }) => {
    expect(nextRotation(rotation, { createdAt: created, expiresAt })).toEqual({ at, reason });
  });
});

describe("nextRotation with a fixed expiry", () => {
  const fixed: RenewalOptions = { fixedExpiry: true };
  it.each([
    {
      name: "does not renew early by default: a successor would expire at the same instant",
      rotation: undefined,
      at: created + 90 * DAY,
      reason: ROTATION_REASONS.expired,
    },
    {
      name: "still honours an explicit renewBefore",
      rotation: { renewBefore: "7d" },
      at: created + 83 * DAY,
      reason: ROTATION_REASONS.renewBefore,
    },
  ])("$name", ({ rotation, at, reason }) => {
    expect(nextRotation(rotation, { createdAt: created, expiresAt: created + 90 * DAY }, fixed)).toEqual({
      at,
      reason,
    });
  });
});

describe("rotationDue", () => {
  it("is not due a millisecond before, and due at the instant", () => {
    const key = { createdAt: created, expiresAt: null };
    expect(rotationDue({ every: "1h" }, key, created + 3_600_000 - 1).due).toBe(false);
    expect(rotationDue({ every: "1h" }, key, created + 3_600_000).due).toBe(true);
  });

  const thirtySeconds = { createdAt: created, expiresAt: created + 30_000 };
  it.each([
    {
      name: "keeps a 30-second key for its first 20 seconds",
      at: created + 19_999,
      due: false,
      reason: null,
    },
    {
      name: "renews a 30-second key once its renewal window opens",
      at: created + 20_000,
      due: true,
      reason: ROTATION_REASONS.renewBefore,
    },
    {
      name: "replaces at once a key found already expired",
      at: created + 45_000,
      due: true,
      reason: ROTATION_REASONS.expired,
    },
    {
      name: "replaces at once a key found at its expiry instant",
      at: created + 30_000,
      due: true,
      reason: ROTATION_REASONS.expired,
    },
  ])("$name", ({ at, due, reason }) => {
    const result = rotationDue(undefined, thirtySeconds, at);
    expect(result.due).toBe(due);
    if (due) expect(result.schedule.reason).toBe(reason);
  });
});

describe("defaultRenewBeforeMs", () => {
  it.each([
    { name: "is a third of a short lifetime", lifetime: 30 * MINUTE, ms: 10 * MINUTE },
    { name: "is at most 7 days", lifetime: 365 * DAY, ms: 7 * DAY },
    { name: "is exactly 7 days for a 21-day key", lifetime: 21 * DAY, ms: 7 * DAY },
    { name: "is zero for a key created past its expiry", lifetime: -1, ms: 0 },
  ])("$name", ({ lifetime, ms }) => {
    expect(defaultRenewBeforeMs({ createdAt: created, expiresAt: created + lifetime })).toBe(ms);
  });

  it("is null for a key that never expires", () => {
    expect(defaultRenewBeforeMs({ createdAt: created, expiresAt: null })).toBeNull();
  });
});

describe("gracePeriodMs", () => {
  it.each([
    { name: "takes the given grace", rotation: { every: "30d", gracePeriod: "36h" }, ms: 36 * 3_600_000 },
    { name: "allows zero grace", rotation: { gracePeriod: "0s" }, ms: 0 },
    { name: "defaults to a week", rotation: undefined, ms: 7 * DAY },
    { name: "defaults to half a short rotation period", rotation: { every: "4d" }, ms: 2 * DAY },
  ])("$name", ({ rotation, ms }) => {
    expect(gracePeriodMs(rotation)).toBe(ms);
  });
});
