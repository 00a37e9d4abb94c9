// The ayra-keys command as a user runs it: a real process on this project's Node.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

describe("ayra-keys", () => {
  it("prints the package version", async () => {
    const { stdout } = await run(process.execPath, [main, "--version"]);
    expect(stdout.trim()).toBe(pkg.version);
  });

  it("lists its commands in --help", async () => {
    const { stdout } = await run(process.execPath, [main, "--help"]);
    expect(stdout).toMatch(/^Usage: ayra-keys/);
    expect(stdout).toMatch(/^\s+dev\b/m);
  });

  it("fails with a usage hint on an unknown command", async () => {
    const error = await run(process.execPath, [main, "no-such-command"]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: number }).code).toBe(1);
    expect((error as { stderr?: string }).stderr).toContain("unknown command");
  });
});
