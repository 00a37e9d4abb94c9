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

function errorsOf(input: unknown, target: "pulumi" | "kubernetes" = "kubernetes") {
  const result = validateKeySpec(input, { target, now });
  return result.ok ? [] : result.errors;
}

describe("validateKeySpec explains schema errors", () => {
  it.each([
    {
      name: "a missing displayName",
      input: { ...base, displayName: undefined },
      path: "displayName",
      rule: "schema:required",
      message: /displayName is required/,
    },
    {
      name: "an empty displayName",
      input: { ...base, displayName: "" },
      path: "displayName",
      rule: "schema:minLength",
      message: /must not be empty/,
    },
    {
      name: "a blank displayName",
      input: { ...base, displayName: "   " },
      path: "displayName",
      rule: "schema:pattern",
      message: /visible character/,
    },
    {
      name: "a displayName over 100 chars",
      input: { ...base, displayName: "x".repeat(101) },
      path: "displayName",
      rule: "schema:maxLength",
      message: /at most 100/,
    },
    {
      name: "an unknown environment",
      input: { ...base, environment: "prod" },
      path: "environment",
      rule: "schema:enum",
      message: /one of: live, test; it is "prod"/,
    },
    {
      name: "an unknown scope",
      input: { ...base, scopes: ["agents:read", "billing:write"] },
      path: "scopes[1]",
      rule: "schema:enum",
      message: /"billing:write", which is not an Ayra scope; the scopes are: agents:read/,
    },
    {
      name: "a repeated scope",
      input: { ...base, scopes: ["agents:read", "agents:read"] },
      path: "scopes[1]",
      rule: "schema:uniqueItems",
      message: /lists "agents:read" twice/,
    },
    {
      name: "no scopes",
      input: { ...base, scopes: [] },
      path: "scopes",
      rule: "schema:minItems",
      message: /at least one scope/,
    },
    {
      name: "scopes as a string",
      input: { ...base, scopes: "agents:read" },
      path: "scopes",
      rule: "schema:type",
      message: /scopes must be a list/,
    },
    {
      name: "an unknown field, with a suggestion",
      input: { ...base, name: "web" },
      path: "name",
      rule: "schema:additionalProperties",
      message: /"name" is not a field of an ApiKey spec\. Did you mean displayName\?/,
    },
    {
      name: "an unknown nested field, listing the fields",
      input: { ...base, rotation: { foo: "1d" } },
      path: "rotation.foo",
      rule: "schema:additionalProperties",
      message: /not a field of rotation\. The fields are: every, renewBefore, gracePeriod, quietPeriod/,
    },
    {
      name: "a malformed expiresAt",
      input: { ...base, expiresAfter: undefined, expiresAt: "tomorrow" },
      path: "expiresAt",
      rule: "schema:format",
      message: /RFC 3339/,
    },
    {
      name: "an unknown restart target kind",
      input: { ...kubernetesBase, restartTargets: [{ kind: "Job", name: "x" }] },
      path: "restartTargets[0].kind",
      rule: "schema:enum",
      message: /Deployment, StatefulSet, DaemonSet/,
    },
    {
      name: "a restart target without a name",
      input: { ...kubernetesBase, restartTargets: [{ kind: "Deployment" }] },
      path: "restartTargets[0].name",
      rule: "schema:required",
      message: /is required/,
    },
    {
      name: "a Secret name that is not a Kubernetes name",
      input: { ...kubernetesBase, secret: { name: "Web_Key" } },
      path: "secret.name",
      rule: "schema:pattern",
      message: /Kubernetes name/,
    },
    {
      name: "a spec that is not an object",
      input: ["web"],
      path: "",
      rule: "schema:type",
      message: /An ApiKey spec must be an object/,
    },
    {
      name: "an expiresAfter in months",
      input: { ...base, expiresAfter: "P3M" },
      path: "expiresAfter",
      rule: "duration",
      message: /months or years, which have no fixed length/,
    },
    {
      name: "a rotation.every that is not a duration",
      input: { ...base, rotation: { every: "monthly" } },
      path: "rotation.every",
      rule: "duration",
      message: /rotation\.every: "monthly" is not a duration/,
    },
    {
      name: "an ISO duration with nothing in it",
      input: { ...base, expiresAfter: "PT" },
      path: "expiresAfter",
      rule: "duration",
      message: /is not a duration/,
    },
    {
      name: "a zero rotation period",
      input: { ...base, rotation: { every: "0d" } },
      path: "rotation.every",
      rule: "duration",
      message: /must be longer than zero/,
    },
  ])("$name", ({ input, path, rule, message }) => {
    const errors = errorsOf(JSON.parse(JSON.stringify(input)));
    expect(errors).toContainEqual({ path, rule, message: expect.stringMatching(message) });
    expect(errors.filter((e) => e.path === path)).toHaveLength(1);
  });
});
