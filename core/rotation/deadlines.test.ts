import { describe, expect, it } from "vitest";
import { expiryFor, graceDeadline } from "./deadlines.ts";

const now = Date.parse("2026-03-01T12:00:00Z");
const DAY = 86_400_000;

describe("expiryFor", () => {
  it.each([
    { name: "gives a fresh lifetime from now", spec: { expiresAfter: "90d" }, at: now + 90 * DAY },
    { name: "reads a lifetime in seconds", spec: { expiresAfter: "30s" }, at: now + 30_000 },
    { name: "reads an ISO 8601 lifetime", spec: { expiresAfter: "PT15M" }, at: now + 900_000 },
    {
      name: "keeps a fixed instant whenever the key is minted",
      spec: { expiresAt: "2026-04-15T00:00:00Z" },
      at: Date.parse("2026-04-15T00:00:00Z"),
    },
    { name: "gives none for a key that never expires", spec: {}, at: null },
  ])("$name", ({ spec, at }) => {
    expect(expiryFor(spec, now)).toBe(at);
  });
});

describe("graceDeadline", () => {
  it.each([
    {
      name: "ends the grace period after the grace",
      old: { expiresAt: now + 30 * DAY },
      graceMs: 7 * DAY,
      at: now + 7 * DAY,
    },
    {
      name: "never lets the old key outlive its own expiry",
      old: { expiresAt: now + 10_000 },
      graceMs: 7 * DAY,
      at: now + 10_000,
    },
    { name: "ends at once with zero grace", old: { expiresAt: now + DAY }, graceMs: 0, at: now },
    {
      name: "ends after the grace for a key that never expires",
      old: { expiresAt: null },
      graceMs: DAY,
      at: now + DAY,
    },
  ])("$name", ({ old, graceMs, at }) => {
    expect(graceDeadline(old, { now, graceMs })).toBe(at);
  });
});
