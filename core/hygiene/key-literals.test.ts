import { describe, expect, it } from "vitest";
import { generateKey } from "../domain/key-format.ts";
import { scanForKeyLiterals } from "./key-literals.ts";

const live = generateKey("live");
const test = generateKey("test");
const text = ["apiVersion: v1", "kind: Secret", "stringData:", `  apiKey: ${live}`, `  old: "${test}"`].join(
  "\n",
);

describe("scanForKeyLiterals", () => {
  it("reports each literal with its line and column", () => {
    const findings = scanForKeyLiterals(text, { path: "k8s/secret.yaml" });
    expect(
      findings.map(({ rule, severity, line, column, length }) => ({ rule, severity, line, column, length })),
    ).toEqual([
      { rule: "key-literal", severity: "error", line: 4, column: 11, length: live.length },
      { rule: "key-literal", severity: "error", line: 5, column: 9, length: test.length },
    ]);
    expect(findings[0]?.message).toMatch(/^k8s\/secret\.yaml line 4, column 11: a full sk_live_ API key/);
    expect(findings[1]?.message).toMatch(/sk_test_ API key/);
  });

  it.each([{ name: "the findings", check: () => JSON.stringify(scanForKeyLiterals(text)) }])(
    "never contains a key in $name",
    ({ check }) => {
      expect(check()).not.toContain(live.slice(8));
      expect(check()).not.toContain(test.slice(8));
    },
  );

  it.each([
    {
      name: "a config can lower it to a warning",
      config: { rules: { "key-literal": "warning" as const } },
      expected: ["warning", "warning"],
    },
    { name: "a config can turn it off", config: { rules: { "key-literal": "off" as const } }, expected: [] },
  ])("$name", ({ config, expected }) => {
    expect(scanForKeyLiterals(text, { config }).map((f) => f.severity)).toEqual(expected);
  });
});
