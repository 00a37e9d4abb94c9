// A missing tool fails with the command that installs it; a present one is found under its first working name.
import { describe, expect, it } from "vitest";
import {
  findCommand,
  PREREQUISITES,
  PrerequisiteMissingError,
  requireAll,
  requireCommand,
} from "../harness/prerequisites.ts";

const absent = {
  commands: ["ayra-keys-absent-tool"],
  versionArgs: ["--version"],
  neededFor: "nothing real",
  install: "apt-get install -y ayra-keys-absent-tool",
};

describe("test prerequisites", () => {
  it("fails with the install command when the tool is not on PATH", () => {
    expect(() => requireCommand(absent)).toThrow(PrerequisiteMissingError);
    expect(() => requireCommand(absent)).toThrow(
      "`ayra-keys-absent-tool` is needed for nothing real and is not on PATH: install it with `apt-get install -y ayra-keys-absent-tool`",
    );
  });

  it("names every missing tool at once", () => {
    const other = { ...absent, commands: ["ayra-keys-other-tool"], install: "apt-get install -y other" };
    expect(() => requireAll([absent, PREREQUISITES.git, other])).toThrow(
      /ayra-keys-absent-tool[^\n]+\n[^\n]*ayra-keys-other-tool[^\n]+apt-get install -y other/,
    );
  });

  it("tries the names in order and returns the first that runs", () => {
    expect(findCommand({ ...absent, commands: ["ayra-keys-absent-tool", "git"] })).toBe("git");
  });

  it("gives an apt-get command for every tool the tests need", () => {
    for (const p of Object.values(PREREQUISITES)) expect(p.install).toMatch(/^apt-get install -y \S+$/);
  });
});
