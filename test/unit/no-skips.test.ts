// No test is skipped silently: a missing prerequisite fails with the command that installs it
// (test/harness/prerequisites.ts), so the suite holds no skip, skipIf, runIf, todo or only.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const folders = ["core", "keyservice", "provider", "controller", "review", "cli", "test"];
const SKIPPING =
  /\b(?:describe|it|test|suite|bench)\s*\.\s*(?:skip|skipIf|runIf|todo|only)\b|\b(?:ctx|context|t)\s*\.\s*skip\s*\(/;

function testFiles(): string[] {
  return folders.flatMap((folder) =>
    readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".ts") && !name.includes("node_modules"))
      .map((name) => join(folder, name)),
  );
}

describe("no silent skips", () => {
  it("recognises the forms it forbids (the scan is not blind)", () => {
    for (const form of [
      "describe.skipIf(x)(",
      "it.skip(",
      "it.todo(",
      "test.runIf(ok)(",
      "describe.only(",
      "ctx.skip()",
    ])
      expect(SKIPPING.test(form), form).toBe(true);
    expect(SKIPPING.test('it("skips trusted hops", () => {})')).toBe(false);
  });

  it("finds none in the test suite or the harness", () => {
    const self = join("test", "unit", "no-skips.test.ts");
    const offending = testFiles()
      .filter((file) => file !== self)
      .flatMap((file) =>
        readFileSync(join(root, file), "utf8")
          .split("\n")
          .flatMap((line, i) => (SKIPPING.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offending).toEqual([]);
  });
});
