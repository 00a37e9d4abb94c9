import { describe, expect, it } from "vitest";
import { gracePeriodMs, nextRotation, ROTATION_REASONS, rotationDue } from "./rotation-due.ts";

const DAY = 86_400_000;
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
      name: "replaces an expiring key at its expiry with no schedule",
      rotation: undefined,
      expiresAt: created + 90 * DAY,
      at: created + 90 * DAY,
      reason: ROTATION_REASONS.expired,
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

describe("rotationDue", () => {
  it("is not due a millisecond before, and due at the instant", () => {
    const key = { createdAt: created, expiresAt: null };
    expect(rotationDue({ every: "1h" }, key, created + 3_600_000 - 1).due).toBe(false);
    expect(rotationDue({ every: "1h" }, key, created + 3_600_000).due).toBe(true);
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
