import { describe, expect, it } from "vitest";
import { expiryFor } from "../rotation/deadlines.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import { expiryMatches } from "./own-keys.ts";

const created = Date.parse("2026-01-01T00:00:00Z");
const spec = (s: Partial<KeySpec>) => s as KeySpec;

describe("a key's expiry matches the spec by the one expiry rule (core/rotation/deadlines)", () => {
  const cases: [string, Partial<KeySpec>, number | null, boolean][] = [
    [
      "a key minted with the spec's lifetime matches",
      { expiresAfter: "30d" },
      created + 30 * 86_400_000,
      true,
    ],
    [
      "a lifetime a few seconds off (clock skew) still matches",
      { expiresAfter: "30d" },
      created + 30 * 86_400_000 + 5_000,
      true,
    ],
    ["a different lifetime does not match", { expiresAfter: "30d" }, created + 7 * 86_400_000, false],
    [
      "a fixed instant matches only exactly",
      { expiresAt: "2026-06-01T00:00:00Z" },
      Date.parse("2026-06-01T00:00:01Z"),
      false,
    ],
    [
      "the same fixed instant matches",
      { expiresAt: "2026-06-01T00:00:00Z" },
      Date.parse("2026-06-01T00:00:00Z"),
      true,
    ],
    ["no expiry asked and none set matches", {}, null, true],
    ["no expiry asked but one set does not match", {}, created + 1000, false],
    ["an expiry asked but none set does not match", { expiresAfter: "1h" }, null, false],
  ];
  it.each(cases)("%s", (_name, s, expiresAt, matches) => {
    expect(expiryMatches({ createdAt: created, expiresAt }, spec(s))).toBe(matches);
  });

  it("agrees with what a key minted at that instant is given", () => {
    const s = spec({ expiresAfter: "90d" });
    expect(expiryMatches({ createdAt: created, expiresAt: expiryFor(s, created) }, s)).toBe(true);
  });
});
