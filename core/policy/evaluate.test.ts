import { describe, expect, it } from "vitest";
import type { KeySpec } from "../spec/key-spec.ts";
import { evaluatePolicy, type NamedPolicy } from "./evaluate.ts";

const now = Date.parse("2026-03-01T00:00:00Z");
const readOnly: KeySpec = {
  displayName: "Analytics Dashboard",
  environment: "test",
  scopes: ["analytics:read"],
  expiresAfter: "30d",
};
const liveWriter: NamedPolicy = {
  name: "payments-live",
  spec: {
    namespaces: ["payments"],
    environments: ["live", "test"],
    scopes: ["contacts:read", "contacts:write"],
    maxLifetime: "90d",
  },
};
const byLabel: NamedPolicy = {
  name: "admins",
  spec: {
    namespaceSelector: { matchLabels: { "ayra.ai/admin-keys": "true" } },
    environments: ["live"],
    scopes: ["admin:full"],
    maxLifetime: "7d",
  },
};

function verdict(spec: KeySpec, namespace = "payments", labels: Record<string, string> = {}) {
  return evaluatePolicy(spec, { namespace, namespaceLabels: labels, policies: [liveWriter, byLabel] }, now);
}

describe("evaluatePolicy", () => {
  it.each([
    {
      name: "the baseline allows a test read-only key anywhere",
      spec: readOnly,
      namespace: "elsewhere",
      allowed: true,
    },
    {
      name: "the baseline refuses a test key with a write scope",
      spec: { ...readOnly, scopes: ["contacts:write"] },
      namespace: "elsewhere",
      allowed: false,
      rule: "scopes",
    },
    {
      name: "the baseline refuses a test key that reads or manages keys",
      spec: { ...readOnly, scopes: ["api_keys:read"] },
      namespace: "elsewhere",
      allowed: false,
      rule: "scopes",
    },
    {
      name: "the baseline refuses a live key",
      spec: { ...readOnly, environment: "live" },
      namespace: "elsewhere",
      allowed: false,
      rule: "environment",
    },
    {
      name: "a policy naming the namespace allows a live writer",
      spec: { ...readOnly, environment: "live", scopes: ["contacts:write"] },
      allowed: true,
    },
    {
      name: "a policy's maxLifetime refuses a longer key",
      spec: { ...readOnly, environment: "live", scopes: ["contacts:write"], expiresAfter: "180d" },
      allowed: false,
      rule: "maxLifetime",
    },
    {
      name: "a policy's maxLifetime refuses a key that never expires",
      spec: { ...readOnly, environment: "live", scopes: ["contacts:read"], expiresAfter: undefined },
      allowed: false,
      rule: "maxLifetime",
    },
    {
      name: "admin:full is never implied",
      spec: { ...readOnly, environment: "live", scopes: ["admin:full"] },
      allowed: false,
      rule: "scopes",
    },
    {
      name: "a label selector grants admin:full briefly",
      spec: { ...readOnly, environment: "live", scopes: ["admin:full"], expiresAfter: "3d" },
      namespace: "ops",
      labels: { "ayra.ai/admin-keys": "true" },
      allowed: true,
    },
    {
      name: "a policy does not mix with another: scopes from one, environment from the other",
      spec: {
        ...readOnly,
        environment: "live",
        scopes: ["contacts:write", "admin:full"],
        expiresAfter: "3d",
      },
      namespace: "payments",
      labels: { "ayra.ai/admin-keys": "true" },
      allowed: false,
      rule: "scopes",
    },
  ])("$name", ({ spec, namespace, labels, allowed, rule }) => {
    const v = verdict(spec as KeySpec, namespace, labels);
    expect(v.allowed).toBe(allowed);
    if (!v.allowed) {
      expect(v.rule).toBe(rule);
      expect(v.message).toContain(`rule ${rule}`);
    }
  });
});
