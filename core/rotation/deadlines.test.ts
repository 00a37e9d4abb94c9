import { describe, expect, it } from "vitest";
import { expiryAt, graceDeadline } from "./deadlines.ts";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const HOUR = 3_600_000;

describe("expiryAt", () => {
  it.each([
    {
      name: "a fixed expiresAt is the instant itself",
      spec: { expiresAt: "2026-04-01T00:00:00Z" },
      expected: Date.parse("2026-04-01T00:00:00Z"),
    },
    {
      name: "expiresAfter gives a fresh lifetime from now",
      spec: { expiresAfter: "36h" },
      expected: T0 + 36 * HOUR,
    },
    { name: "no expiry gives none", spec: {}, expected: null },
  ])("$name", ({ spec, expected }) => {
    expect(expiryAt(spec, T0)).toBe(expected);
  });
});

describe("graceDeadline", () => {
  it.each([
    { name: "ends the grace period after the roll", own: T0 + 10 * HOUR, expected: T0 + HOUR },
    { name: "never outlives the rolled key's own expiry", own: T0 + HOUR / 2, expected: T0 + HOUR / 2 },
    { name: "a key without expiry keeps its whole grace period", own: null, expected: T0 + HOUR },
  ])("$name", ({ own, expected }) => {
    expect(graceDeadline(T0, HOUR, own)).toBe(expected);
  });
});
