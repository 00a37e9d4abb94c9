import { describe, expect, it } from "vitest";
import { validateKeySpec } from "./validate.ts";

const now = new Date("2025-01-15T00:00:00Z");
const base = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", renewBefore: "14d", gracePeriod: "7d" },
};
const kubernetesBase = {
  ...base,
  rotation: { ...base.rotation, quietPeriod: "1h" },
  secret: { name: "web-ayra-key", labels: { app: "web" } },
  restartTargets: [{ kind: "Deployment", name: "web" }],
  deletionPolicy: "Revoke",
};
const fakeKey = `sk_live_${"Ab3".repeat(14)}`;

function errorsOf(input: unknown, target: "pulumi" | "kubernetes" = "kubernetes") {
  const result = validateKeySpec(input, { target, now });
  return result.ok ? [] : result.errors;
}

describe("validateKeySpec accepts", () => {
  it.each([
    { name: "the Pulumi example of the design", input: base, target: "pulumi" as const },
    {
      name: "a Kubernetes spec with every Kubernetes-only field",
      input: kubernetesBase,
      target: "kubernetes" as const,
    },
    {
      name: "a minimal spec",
      input: { displayName: "CI", environment: "test", scopes: ["admin:full"] },
      target: "pulumi" as const,
    },
    {
      name: "ISO durations and a zero grace",
      input: { ...base, expiresAfter: "P90D", rotation: { every: "P30D", gracePeriod: "0s" } },
      target: "pulumi" as const,
    },
    {
      name: "a future expiresAt",
      input: { ...base, expiresAfter: undefined, expiresAt: "2025-04-15T00:00:00Z" },
      target: "pulumi" as const,
    },
  ])("$name", ({ input, target }) => {
    const cleaned = JSON.parse(JSON.stringify(input));
    const result = validateKeySpec(cleaned, { target, now });
    expect(result).toEqual({ ok: true, spec: cleaned });
  });

  it("returns a copy, so later edits of the input do not change the spec", () => {
    const input = structuredClone(base);
    const result = validateKeySpec(input, { target: "pulumi", now });
    input.scopes.push("admin:full");
    expect(result.ok && result.spec.scopes).toEqual(["agents:read", "conversations:read"]);
  });
});

describe("validateKeySpec refuses", () => {
  it.each([
    {
      name: "both expiresAfter and expiresAt",
      input: { ...base, expiresAt: "2025-04-15T00:00:00Z" },
      path: "expiresAt",
      rule: "expiry-both",
      message: /both set; set one/,
    },
    {
      name: "a grace period as long as the rotation period",
      input: { ...base, rotation: { every: "7d", gracePeriod: "P1W" } },
      path: "rotation.gracePeriod",
      rule: "grace-shorter-than-rotation",
      message: /rotation\.gracePeriod \(P1W\) must be shorter than rotation\.every \(7d\)/,
    },
    {
      name: "renewBefore as long as the lifetime",
      input: { ...base, rotation: { renewBefore: "90d" } },
      path: "rotation.renewBefore",
      rule: "renew-before-shorter-than-lifetime",
      message: /must be shorter than expiresAfter \(90d\)/,
    },
    {
      name: "renewBefore on a key that never expires",
      input: { ...base, expiresAfter: undefined, rotation: { renewBefore: "7d" } },
      path: "rotation.renewBefore",
      rule: "renew-before-without-expiry",
      message: /never expires/,
    },
    {
      name: "a lifetime no longer than the grace period",
      input: { ...base, expiresAfter: "7d", rotation: { gracePeriod: "7d" } },
      path: "expiresAfter",
      rule: "lifetime-longer-than-grace",
      message: /must outlive the overlap/,
    },
    {
      name: "a rotation period longer than the lifetime",
      input: { ...base, expiresAfter: "30d", rotation: { every: "60d" } },
      path: "rotation.every",
      rule: "rotation-shorter-than-lifetime",
      message: /expires before it is rotated/,
    },
    {
      name: "a quiet period longer than the grace period",
      input: { ...kubernetesBase, rotation: { gracePeriod: "1d", quietPeriod: "2d" } },
      path: "rotation.quietPeriod",
      rule: "quiet-not-longer-than-grace",
      message: /must not be longer than rotation\.gracePeriod \(1d\)/,
    },
    {
      name: "an expiresAt in the past",
      input: { ...base, expiresAfter: undefined, expiresAt: "2025-01-14T00:00:00Z" },
      path: "expiresAt",
      rule: "expires-at-in-future",
      message: /not in the future/,
    },
    {
      name: "the same Secret data key twice",
      input: { ...kubernetesBase, secret: { previousKey: "apiKey" } },
      path: "secret.previousKey",
      rule: "secret-keys-distinct",
      message: /both "apiKey"/,
    },
    {
      name: "a restart target listed twice",
      input: {
        ...kubernetesBase,
        restartTargets: [
          { kind: "Deployment", name: "web" },
          { kind: "StatefulSet", name: "web" },
          { kind: "Deployment", name: "web" },
        ],
      },
      path: "restartTargets[2]",
      rule: "restart-targets-unique",
      message: /repeats Deployment "web" \(already restartTargets\[0\]\)/,
    },
  ])("$name", ({ input, path, rule, message }) => {
    const errors = errorsOf(JSON.parse(JSON.stringify(input)));
    expect(errors).toContainEqual({ path, rule, message: expect.stringMatching(message) });
    expect(errors.filter((e) => e.path === path)).toHaveLength(1);
  });

  it.each([
    {
      path: "rotation.quietPeriod",
      reason: /quietPeriod needs a process that acts between runs.*use the Kubernetes controller/,
    },
    { path: "secret", reason: /Kubernetes ApiKey resource: writing and updating a Secret/ },
    { path: "restartTargets", reason: /restarting workloads after each rotation/ },
    { path: "deletionPolicy", reason: /retainOnDelete/ },
  ])("Kubernetes-only $path for the Pulumi target, saying why", ({ path, reason }) => {
    const errors = errorsOf(kubernetesBase, "pulumi");
    expect(errors).toContainEqual({ path, rule: "kubernetes-only", message: expect.stringMatching(reason) });
  });

  it("reports only the refusal, not the problems inside a refused field", () => {
    const input = { ...base, deletionPolicy: "Delete", secret: { previousKey: "apiKey" } };
    expect(errorsOf(input, "pulumi").map((e) => `${e.path} ${e.rule}`)).toEqual([
      "secret kubernetes-only",
      "deletionPolicy kubernetes-only",
    ]);
  });

  it("reports every problem at once", () => {
    const input = { displayName: "", environment: "prod", scopes: [], bogus: true };
    expect(errorsOf(input).map((e) => e.path)).toEqual(
      expect.arrayContaining(["displayName", "environment", "scopes", "bogus"]),
    );
  });

  it.each([
    { name: "a key as the whole spec", input: fakeKey },
    { name: "a key as the environment", input: { ...base, environment: fakeKey } },
    { name: "a key as a scope", input: { ...base, scopes: [fakeKey] } },
    { name: "a key as a field name", input: { ...base, [fakeKey]: true } },
    { name: "a key as a duration", input: { ...base, expiresAfter: fakeKey } },
    {
      name: "a key as a restart target name",
      input: { ...kubernetesBase, restartTargets: [{ kind: "Deployment", name: fakeKey }] },
    },
  ])("never echoes $name", ({ input }) => {
    const errors = errorsOf(input);
    expect(errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(errors)).not.toContain(fakeKey.slice(8, 20));
  });
});
