import { describe, expect, it } from "vitest";
import type { KeySpec } from "../spec/key-spec.ts";
import { diffFindings } from "./diff-findings.ts";
import { type Platform, planKeyChange } from "./key-change.ts";

const base: KeySpec = {
  displayName: "Web",
  environment: "live",
  scopes: ["agents:read"],
  expiresAfter: "90d",
};

function findings(platform: Platform, before?: KeySpec, after?: KeySpec, retained = false) {
  const change = planKeyChange({ platform, before, after, retained });
  return diffFindings({ platform, before, after, change });
}

describe("diffFindings", () => {
  it.each([
    {
      name: "added read scopes are a scope widening at the first added scope",
      platform: "kubernetes" as const,
      before: base,
      after: { ...base, scopes: ["agents:read", "analytics:read"] },
      expected: [{ rule: "scope-widening", path: "scopes[1]", message: /adds analytics:read\./ }],
    },
    {
      name: "added write and admin scopes are flagged as such",
      platform: "kubernetes" as const,
      before: base,
      after: { ...base, scopes: ["admin:full", "agents:read", "analytics:read", "contacts:write"] },
      expected: [
        {
          rule: "write-scope-widening",
          path: "scopes[3]",
          message: /adds analytics:read, contacts:write \(write\), admin:full \(complete access\)/,
        },
      ],
    },
    {
      name: "an environment change on Kubernetes is refused, with the way out",
      platform: "kubernetes" as const,
      before: base,
      after: { ...base, environment: "test" },
      expected: [
        {
          rule: "environment-change",
          path: "environment",
          message: /refuses.*delete this ApiKey.*create one under a new name/,
        },
      ],
    },
    {
      name: "an environment change in Pulumi replaces the key",
      platform: "pulumi" as const,
      before: base,
      after: { ...base, environment: "test" },
      expected: [
        {
          rule: "environment-replaced",
          path: "environment",
          message:
            /Pulumi mints a new test key in its place and the live key stops working after its grace period/,
        },
      ],
    },
    {
      name: "deleting a live key warns",
      platform: "kubernetes" as const,
      before: base,
      expected: [{ rule: "live-key-deleted", path: "", message: /revokes its key at once/ }],
    },
    {
      name: "deleting a test key is quiet",
      platform: "kubernetes" as const,
      before: { ...base, environment: "test" as const },
      expected: [],
    },
    {
      name: "a retained key is noted",
      platform: "kubernetes" as const,
      before: base,
      retained: true,
      expected: [{ rule: "key-retained", path: "", message: /keeps working but nothing manages/ }],
    },
    {
      name: "removed scopes alone are quiet",
      platform: "kubernetes" as const,
      before: { ...base, scopes: ["agents:read", "contacts:read"] as KeySpec["scopes"] },
      after: base,
      expected: [],
    },
  ])("$name", ({ platform, before, after, retained, expected }) => {
    const found = findings(platform, before, after as KeySpec | undefined, retained);
    expect(found.map((f) => ({ rule: f.rule, path: f.path }))).toEqual(
      expected.map(({ rule, path }) => ({ rule, path })),
    );
    found.forEach((f, i) => {
      expect(f.message).toMatch(expected[i]?.message ?? /never/);
    });
  });
});
