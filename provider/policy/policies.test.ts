import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { HYGIENE_RULE_IDS } from "../../core/hygiene/index.ts";
import { API_KEY_TYPE } from "../runtime/state.ts";
import { apiKeyPolicies } from "./policies.ts";

const now = new Date("2026-01-15T00:00:00Z");
const good = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
  slot: "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/ayra:ApiKey::web",
  __provider: "exports.handler = __f0;",
};

function violations(
  props: Record<string, unknown>,
  options: { type?: string; config?: Record<string, unknown> } = {},
): { policy: string; level: string | undefined; message: string }[] {
  const found: { policy: string; level: string | undefined; message: string }[] = [];
  for (const policy of apiKeyPolicies({ now: () => now })) {
    const report: ReportViolation = (message) =>
      found.push({ policy: policy.name, level: policy.enforcementLevel, message });
    const args = {
      type: options.type ?? API_KEY_TYPE,
      props,
      urn: "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/ayra:ApiKey::web",
      name: "web",
      getConfig: () => options.config?.[policy.name] ?? {},
    } as unknown as ResourceValidationArgs;
    const validate = policy.validateResource;
    if (typeof validate === "function") validate(args, report);
  }
  return found;
}

describe("the ayra-keys policies", () => {
  it("are the hygiene rules, one policy each, mandatory where core says error", () => {
    const policies = apiKeyPolicies();
    expect(policies.map((p) => p.name)).toEqual(HYGIENE_RULE_IDS);
    expect(Object.fromEntries(policies.map((p) => [p.name, p.enforcementLevel]))).toMatchObject({
      "live-admin-full": "mandatory",
      "live-no-expiry": "mandatory",
      "test-no-expiry": "advisory",
      "poor-name": "advisory",
      "key-literal": "mandatory",
    });
  });

  it("find nothing wrong with a well-kept key", () => {
    expect(violations(good)).toEqual([]);
  });

  it("report each broken rule under its own name, with the field and core's words", () => {
    const found = violations({
      ...good,
      displayName: "Key 1",
      scopes: ["admin:full"],
      expiresAfter: undefined,
    });
    expect(found.map((v) => `${v.policy} ${v.level}`)).toEqual([
      "live-admin-full mandatory",
      "live-no-expiry mandatory",
      "poor-name advisory",
    ]);
    expect(found[0]?.message).toMatch(/^\[live-admin-full\] scopes: A live key with admin:full/);
  });

  it("take rule settings from each policy's config", () => {
    const props = { ...good, expiresAfter: "200d", rotation: undefined };
    expect(violations(props)).toEqual([]);
    const config = { "live-long-expiry": { maxLiveLifetimeDays: 180 } };
    expect(violations(props, { config }).map((v) => v.policy)).toEqual(["live-long-expiry"]);
  });

  it("leave other resource types and invalid specs alone (check reports those)", () => {
    expect(
      violations(
        { ...good, scopes: ["admin:full"], expiresAfter: undefined },
        { type: "aws:s3/bucket:Bucket" },
      ),
    ).toEqual([]);
    expect(violations({ ...good, scopes: ["billing:write"] })).toEqual([]);
  });

  it("never quote a key pasted into the spec", () => {
    const key = `sk_live_${"Qr7".repeat(16)}ab`;
    const found = violations({ ...good, description: `rotated from ${key}` });
    expect(found.map((v) => v.policy)).toEqual(["key-literal"]);
    expect(JSON.stringify(found)).not.toContain(key.slice(8));
  });
});
