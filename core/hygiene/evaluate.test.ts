import { describe, expect, it } from "vitest";
import type { KeySpec } from "../spec/key-spec.ts";
import { evaluateHygiene } from "./evaluate.ts";
import type { HygieneConfig } from "./rules.ts";

const now = new Date("2025-01-15T00:00:00Z");
const clean: KeySpec = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
};
const key = `sk_live_${"Zq9".repeat(14)}`;

function rulesFor(spec: Partial<KeySpec>, config?: HygieneConfig) {
  return evaluateHygiene({ ...clean, ...spec }, { now, config }).map(
    (f) => `${f.rule} ${f.severity} ${f.path}`,
  );
}

describe("evaluateHygiene", () => {
  it("finds nothing wrong with a well-kept live key", () => {
    expect(rulesFor({})).toEqual([]);
  });

  it.each<{ name: string; spec: Partial<KeySpec>; fires: string[] }>([
    {
      name: "a live admin key that never expires",
      spec: { scopes: ["admin:full"], expiresAfter: undefined },
      fires: ["live-admin-full error scopes", "live-no-expiry error expiresAfter"],
    },
    {
      name: "a live admin key living 91 days",
      spec: { scopes: ["admin:full"], expiresAfter: "91d" },
      fires: ["live-admin-full error scopes"],
    },
    {
      name: "a live key without expiry",
      spec: { expiresAfter: undefined },
      fires: ["live-no-expiry error expiresAfter"],
    },
    {
      name: "a live key living 366 days",
      spec: { expiresAfter: "366d" },
      fires: ["live-long-expiry error expiresAfter"],
    },
    {
      name: "a live key with a fixed expiry in two years",
      spec: { expiresAfter: undefined, expiresAt: "2027-01-15T00:00:00Z" },
      fires: ["live-long-expiry error expiresAt"],
    },
    {
      name: "a test key without expiry",
      spec: { environment: "test", expiresAfter: undefined },
      fires: ["test-no-expiry warning expiresAfter"],
    },
    {
      name: "a test key living 400 days",
      spec: { environment: "test", expiresAfter: "400d" },
      fires: ["test-long-expiry warning expiresAfter"],
    },
    {
      name: "a live key with zero grace",
      spec: { rotation: { every: "30d", gracePeriod: "0s" } },
      fires: ["live-zero-grace warning rotation.gracePeriod"],
    },
    {
      name: "the seed's poor name Key 1",
      spec: { displayName: "Key 1" },
      fires: ["poor-name warning displayName"],
    },
    {
      name: "a numbered poor name in another case",
      spec: { displayName: "key   2" },
      fires: ["poor-name warning displayName"],
    },
    {
      name: "the seed's poor name Test",
      spec: { displayName: "TEST" },
      fires: ["poor-name warning displayName"],
    },
    {
      name: "the seed's poor name New Key",
      spec: { displayName: "new key" },
      fires: ["poor-name warning displayName"],
    },
    {
      name: "the seed's poor name API Key",
      spec: { displayName: "ApiKey" },
      fires: ["poor-name warning displayName"],
    },
    {
      name: "write scopes on an analytics dashboard key",
      spec: { displayName: "Analytics Dashboard", scopes: ["analytics:read", "contacts:write"] },
      fires: ["write-scope-on-readonly-name warning scopes"],
    },
    {
      name: "admin:full on a read-only key",
      spec: { displayName: "Read Only Exporter", scopes: ["admin:full"], expiresAfter: "30d" },
      fires: ["write-scope-on-readonly-name warning scopes"],
    },
    {
      name: "a key pasted into the description",
      spec: { description: `old key was ${key}` },
      fires: ["key-literal error description"],
    },
  ])("flags $name", ({ spec, fires }) => {
    expect(rulesFor(spec)).toEqual(fires);
  });

  it.each<{ name: string; spec: Partial<KeySpec> }>([
    {
      name: "a live admin key that expires within 90 days",
      spec: { scopes: ["admin:full"], expiresAfter: "90d", displayName: "Break-glass admin" },
    },
    { name: "a live key living exactly 365 days", spec: { expiresAfter: "365d" } },
    {
      name: "a test key with a zero grace period",
      spec: { environment: "test", rotation: { gracePeriod: "0s" } },
    },
    { name: "a good name that contains 'key'", spec: { displayName: "Key rotation service" } },
    { name: "a good name that contains 'test'", spec: { displayName: "Integration tests (CI)" } },
    {
      name: "read scopes on an analytics dashboard key",
      spec: { displayName: "Analytics Dashboard", scopes: ["analytics:read", "conversations:read"] },
    },
    {
      name: "write scopes on a name that merely contains 'view'",
      spec: { displayName: "Review bot", scopes: ["conversations:write"] },
    },
    {
      name: "the redacted form of a key in the description",
      spec: { description: "replaces sk_live_abc123...GHIJ" },
    },
  ])("does not flag $name", ({ spec }) => {
    expect(rulesFor(spec)).toEqual([]);
  });

  it("never puts the key itself in a finding", () => {
    const findings = evaluateHygiene({ ...clean, displayName: key, purpose: key }, { now });
    expect(findings.map((f) => f.rule)).toContain("key-literal");
    expect(JSON.stringify(findings)).not.toContain(key.slice(8, 20));
  });
});

describe("evaluateHygiene with a config", () => {
  it.each<{ name: string; spec: Partial<KeySpec>; config: HygieneConfig; fires: string[] }>([
    {
      name: "a rule can be raised to an error",
      spec: { displayName: "Key 1" },
      config: { rules: { "poor-name": "error" } },
      fires: ["poor-name error displayName"],
    },
    {
      name: "a rule can be lowered to info",
      spec: { expiresAfter: undefined },
      config: { rules: { "live-no-expiry": "info" } },
      fires: ["live-no-expiry info expiresAfter"],
    },
    {
      name: "a rule can be turned off",
      spec: { expiresAfter: undefined },
      config: { rules: { "live-no-expiry": "off" } },
      fires: [],
    },
    {
      name: "the live maximum can be shortened",
      spec: { expiresAfter: "90d" },
      config: { maxLiveLifetimeDays: 60 },
      fires: ["live-long-expiry error expiresAfter"],
    },
    {
      name: "the admin window can be widened",
      spec: { scopes: ["admin:full"], expiresAfter: "180d" },
      config: { adminMaxLifetimeDays: 180 },
      fires: [],
    },
    {
      name: "extra poor names are flagged",
      spec: { displayName: "My Key" },
      config: { extraPoorNames: ["my key"] },
      fires: ["poor-name warning displayName"],
    },
    {
      name: "extra read-only words are flagged",
      spec: { displayName: "Grafana exporter", scopes: ["contacts:write"] },
      config: { extraReadOnlyNameWords: ["exporter"] },
      fires: ["write-scope-on-readonly-name warning scopes"],
    },
  ])("$name", ({ spec, config, fires }) => {
    expect(rulesFor(spec, config)).toEqual(fires);
  });
});
