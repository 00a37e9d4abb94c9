import { describe, expect, it } from "vitest";
import { DEFAULT_REVIEW_POLICY, parseReviewPolicy } from "./policy.ts";
import { failsAt, reviewSeverity } from "./rules.ts";

describe("parseReviewPolicy", () => {
  it("takes hygiene and review settings in one flat file", () => {
    const result = parseReviewPolicy({
      rules: { "poor-name": "off", "write-scope-widening": "error" },
      maxLiveLifetimeDays: 180,
      failOn: "warning",
      namespace: "keys",
      keyLiterals: "paths",
      charts: [
        { chart: "deploy/charts/keys", values: ["deploy/charts/keys/values-prod.yaml"], release: "keys" },
      ],
    });
    expect(result).toEqual({
      ok: true,
      policy: {
        hygiene: { rules: { "poor-name": "off" }, maxLiveLifetimeDays: 180 },
        rules: { "write-scope-widening": "error" },
        failOn: "warning",
        namespace: "keys",
        keyLiterals: "paths",
        charts: [
          { chart: "deploy/charts/keys", values: ["deploy/charts/keys/values-prod.yaml"], release: "keys" },
        ],
      },
    });
  });

  it.each([
    {
      chart: "oci://registry.example.com/charts/keys",
      message: /charts\[0\]\.chart must be a path in the repository, not a URL/,
    },
    { chart: "../elsewhere", message: /charts\[0\]\.chart must be a relative path inside the repository/ },
    {
      chart: "deploy/keys",
      values: ["https://example.com/values.yaml"],
      message: /charts\[0\]\.values\[0\] must be a path in the repository, not a URL/,
    },
  ])("refuses a chart that is not a repository path: $chart", ({ message, ...entry }) => {
    const result = parseReviewPolicy({ charts: [entry] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.message).join("\n")).toMatch(message);
  });

  it("is the default policy when the file is empty", () => {
    expect(parseReviewPolicy(null)).toEqual({ ok: true, policy: DEFAULT_REVIEW_POLICY });
  });

  it.each([
    {
      name: "a setting that does not exist",
      input: { failon: "error" },
      path: "failon",
      message: /not a review setting/,
    },
    {
      name: "a rule that does not exist",
      input: { rules: { "no-such": "off" } },
      path: "rules.no-such",
      message: /is not a rule; the rules are: live-admin-full/,
    },
    {
      name: "a fixed rule",
      input: { rules: { "invalid-spec": "off" } },
      path: "rules.invalid-spec",
      message: /cannot be configured/,
    },
    {
      name: "an unknown severity",
      input: { rules: { "scope-widening": "loud" } },
      path: "rules.scope-widening",
      message: /one of: error, warning, info, off/,
    },
    {
      name: "a bad hygiene severity",
      input: { rules: { "poor-name": "loud" } },
      path: "rules.poor-name",
      message: /one of: error, warning, info, off/,
    },
    {
      name: "a bad threshold",
      input: { failOn: "sometimes" },
      path: "failOn",
      message: /one of: error, warning, info, never/,
    },
    {
      name: "a namespace that is not a name",
      input: { namespace: "Keys!" },
      path: "namespace",
      message: /Kubernetes namespace name/,
    },
    {
      name: "a bad day count",
      input: { maxLiveLifetimeDays: 0 },
      path: "maxLiveLifetimeDays",
      message: /whole number of days/,
    },
    { name: "a list instead of a mapping", input: ["rules"], path: "", message: /must be a mapping/ },
  ])("refuses $name, by path", ({ input, path, message }) => {
    const result = parseReviewPolicy(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});

describe("severities and the threshold", () => {
  it.each([
    { severity: "error" as const, failOn: "error" as const, fails: true },
    { severity: "warning" as const, failOn: "error" as const, fails: false },
    { severity: "warning" as const, failOn: "warning" as const, fails: true },
    { severity: "info" as const, failOn: "warning" as const, fails: false },
    { severity: "info" as const, failOn: "info" as const, fails: true },
    { severity: "error" as const, failOn: "never" as const, fails: false },
  ])("a $severity finding with failOn $failOn fails: $fails", ({ severity, failOn, fails }) => {
    expect(failsAt(severity, failOn)).toBe(fails);
  });

  it("keeps fixed rules at their severity whatever the settings say", () => {
    expect(reviewSeverity("duplicate-key", { "scope-widening": "off" })).toBe("error");
    expect(reviewSeverity("scope-widening", { "scope-widening": "off" })).toBe("off");
  });
});
