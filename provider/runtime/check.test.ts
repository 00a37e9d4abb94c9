import { describe, expect, it } from "vitest";
import { checkInputs, UNKNOWN } from "./check.ts";

const now = new Date("2026-01-15T00:00:00Z");
const slot = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/ayra:ApiKey::web";
const base = {
  __provider: "exports.handler = __f0; // serialized",
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["conversations:read", "agents:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
  slot,
};

function check(news: Record<string, unknown>) {
  return checkInputs(news, { now, hygiene: {} });
}

describe("checkInputs", () => {
  it("normalizes scopes to canonical order and keeps a relative expiry relative (stable across runs)", () => {
    const { inputs, failures, warnings } = check(base);
    expect(failures).toEqual([]);
    expect(warnings).toEqual([]);
    expect(inputs).toEqual({
      displayName: "Production Web Application",
      environment: "live",
      scopes: ["agents:read", "conversations:read"],
      expiresAfter: "90d",
      rotation: { every: "30d", gracePeriod: "7d" },
      slot,
    });
    expect(check(base).inputs).toEqual(inputs);
  });

  it("writes a fixed expiry in one canonical form", () => {
    const { inputs } = check({ ...base, expiresAfter: undefined, expiresAt: "2026-04-15T00:00:00Z" });
    expect(inputs.expiresAt).toBe("2026-04-15T00:00:00.000Z");
  });

  it("treats nulls the SDK sends for unset inputs as absent", () => {
    const { inputs, failures } = check({
      ...base,
      owner: null,
      rotation: { every: "30d", gracePeriod: null },
    });
    expect(failures).toEqual([]);
    expect(inputs).not.toHaveProperty("owner");
    expect(inputs.rotation).toEqual({ every: "30d" });
  });

  it.each([
    {
      name: "a Kubernetes-only field, saying why",
      news: { ...base, rotation: { every: "30d", gracePeriod: "7d", quietPeriod: "1h" } },
      reason: /^rotation\.quietPeriod is available only on the Kubernetes ApiKey resource: .*controller/,
    },
    {
      name: "a Secret, pointing at the secret output",
      news: { ...base, secret: { name: "web-key" } },
      reason: /^secret is available only on the Kubernetes ApiKey resource: .*secret output/,
    },
    {
      name: "an unknown scope",
      news: { ...base, scopes: ["agents:read", "billing:write"] },
      reason: /^scopes\[1\] is "billing:write", which is not an Ayra scope/,
    },
    {
      name: "a grace period as long as the rotation",
      news: { ...base, rotation: { every: "7d", gracePeriod: "7d" } },
      reason: /^rotation\.gracePeriod \(7d\) must be shorter than rotation\.every \(7d\)/,
    },
    {
      name: "an unknown deletion reason",
      news: { ...base, deletionReason: "bored" },
      reason: /^deletionReason must be one of: compromised, replaced, unused/,
    },
    {
      name: "a resource made without the ApiKey class",
      news: { ...base, slot: undefined },
      reason: /^slot must be the resource's URN/,
    },
  ])("refuses $name, naming the field in the reason and no value beside it", ({ news, reason }) => {
    const { failures } = check(news);
    expect(failures).toContainEqual({ property: "", reason: expect.stringMatching(reason) });
  });

  it("reports every field's problem at once", () => {
    const { failures } = check({
      ...base,
      scopes: ["billing:write"],
      rotation: { every: "30d", gracePeriod: "7d", quietPeriod: "1h" },
    });
    expect(failures.map((f) => f.reason.split(" ")[0])).toEqual(["rotation.quietPeriod", "scopes[0]"]);
  });

  it("never echoes a key pasted into a field", () => {
    const key = `sk_live_${"Ab3".repeat(16)}xy`;
    const { failures, warnings } = check({ ...base, displayName: key.repeat(3), description: `old: ${key}` });
    expect(JSON.stringify({ failures, warnings })).not.toContain(key.slice(8));
  });

  it("warns about hygiene without failing: a live admin key that never expires", () => {
    const { failures, warnings } = check({
      ...base,
      scopes: ["admin:full"],
      expiresAfter: undefined,
      rotation: undefined,
    });
    expect(failures).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(/^ApiKey "web": live-admin-full \[error\] scopes: A live key with admin:full/),
      expect.stringMatching(/^ApiKey "web": live-no-expiry \[error\] expiresAfter: /),
    ]);
  });

  it("follows the stack's hygiene settings", () => {
    const { warnings } = checkInputs(
      { ...base, displayName: "Key 1" },
      { now, hygiene: { rules: { "poor-name": "off" } } },
    );
    expect(warnings).toEqual([]);
  });

  it("leaves inputs it cannot know yet (a preview) unjudged", () => {
    const news = { ...base, displayName: UNKNOWN };
    expect(check(news)).toEqual({ inputs: news, failures: [], warnings: [] });
  });
});
