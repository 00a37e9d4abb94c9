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
  updated_at: updated,
  metadata: { k8s_uid: uid },
});

describe("KeyFacts", () => {
  it("knows a key's status, and that an unlisted key is missing once a full list answered", () => {
    const facts = new KeyFacts();
    facts.observe(key("a", "active"));
    expect(facts.fact("a")).toEqual({ status: "active", name: "n" });
    expect(facts.fact("b")).toBeUndefined();
    facts.complete = true;
    expect(facts.fact("b")).toEqual({ status: "missing" });
  });

  it("reports a status change once and ignores an older report", () => {
    const facts = new KeyFacts();
    expect(facts.observe(key("a", "active", "2026-01-01T00:00:01.000Z"))).toBe(true);
    expect(facts.observe(key("a", "active", "2026-01-01T00:00:01.000Z"))).toBe(false);
    expect(facts.observe(key("a", "revoked", "2026-01-01T00:00:02.000Z"))).toBe(true);
    expect(facts.observe(key("a", "active", "2026-01-01T00:00:01.500Z"))).toBe(false);
    expect(facts.fact("a")?.status).toBe("revoked");
  });

  it("finds strays: active keys of an ApiKey that its status does not know", () => {
    const facts = new KeyFacts();
    facts.observe(key("current", "active"));
    facts.observe(key("previous", "expiring"));
    facts.observe(key("stray", "active"));
    facts.observe(key("old", "revoked"));
    facts.observe(key("other", "active", undefined, "u2"));
    expect(facts.strays("u1", ["current", "previous"])).toEqual(["stray"]);
    facts.markRevoked("stray");
    expect(facts.strays("u1", ["current"])).toEqual([]);
  });
});
