import { describe, expect, it } from "vitest";
import { KeyFacts } from "./key-facts.ts";

const key = (
  id: string,
  status: "active" | "expiring" | "revoked",
  updated = "2026-01-01T00:00:00.000Z",
  uid = "u1",
) => ({
  id,
  status,
  name: "n",
  environment: "test" as const,
  scopes: ["agents:read" as const],
  redacted: "sk_test_abc123...WXYZ",
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: updated,
  expires_at: null,
  rolled_from: null,
  metadata: { k8s_uid: uid },
});

describe("KeyFacts", () => {
  it("keeps the keys service's record of a key, without any value", () => {
    const facts = new KeyFacts();
    facts.observe({ ...key("a", "active"), secret: "sk_test_never_kept" } as ReturnType<typeof key>);
    expect(facts.record("a")).toMatchObject({
      id: "a",
      status: "active",
      createdAt: Date.parse("2026-01-01T00:00:00Z"),
    });
    expect(JSON.stringify(facts.record("a"))).not.toContain("never_kept");
    expect(facts.record("b")).toBeUndefined();
  });

  it("reports a status change once and ignores an older report", () => {
    const facts = new KeyFacts();
    expect(facts.observe(key("a", "active", "2026-01-01T00:00:01.000Z"))).toBe(true);
    expect(facts.observe(key("a", "active", "2026-01-01T00:00:01.000Z"))).toBe(false);
    expect(facts.observe(key("a", "revoked", "2026-01-01T00:00:02.000Z"))).toBe(true);
    expect(facts.observe(key("a", "active", "2026-01-01T00:00:01.500Z"))).toBe(false);
    expect(facts.record("a")?.status).toBe("revoked");
  });

  it("lists the keys whose metadata names an ApiKey's uid, and forgets them on request", () => {
    const facts = new KeyFacts();
    facts.observe(key("current", "active"));
    facts.observe(key("old", "revoked"));
    facts.observe(key("other", "active", undefined, "u2"));
    expect(
      facts
        .recordsFor("u1")
        .map((k) => k.id)
        .sort(),
    ).toEqual(["current", "old"]);
    facts.markRevoked("current");
    expect(facts.record("current")?.status).toBe("revoked");
    facts.forget("u1");
    expect(facts.recordsFor("u1")).toEqual([]);
    expect(facts.record("other")?.status).toBe("active");
  });
});
