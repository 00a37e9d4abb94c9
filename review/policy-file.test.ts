import { describe, expect, it } from "vitest";
import { parsePolicyText } from "./policy-file.ts";

describe("parsePolicyText", () => {
  it("reads a policy file", () => {
    const loaded = parsePolicyText(".ayra-keys.yaml", "rules:\n  poor-name: off\nfailOn: warning\n", "base");
    expect(loaded.findings).toEqual([]);
    expect(loaded.policy).toMatchObject({ failOn: "warning", hygiene: { rules: { "poor-name": "off" } } });
  });

  it("reports each bad setting at its line and keeps the good ones", () => {
    const text =
      "namespace: keys\nrules:\n  poor-name: loud\n  live-zero-grace: error\nfailOn: sometimes\nextra: 1\n";
    const loaded = parsePolicyText("p.yaml", text, "head");
    expect(loaded.findings.map((f) => [f.rule, f.severity, f.location?.line])).toEqual([
      ["invalid-policy", "error", 6],
      ["invalid-policy", "error", 3],
      ["invalid-policy", "error", 5],
    ]);
    expect(loaded.policy).toMatchObject({
      namespace: "keys",
      failOn: "error",
      hygiene: { rules: { "live-zero-grace": "error" } },
    });
  });

  it("falls back to the defaults when the file is not YAML", () => {
    const loaded = parsePolicyText("p.yaml", "rules: [unclosed\n", "base");
    expect(loaded.findings[0]?.message).toMatch(/p\.yaml is not valid YAML: .*; the default policy applies/);
    expect(loaded.policy.failOn).toBe("error");
  });
});
