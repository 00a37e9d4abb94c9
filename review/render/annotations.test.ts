import { describe, expect, it } from "vitest";
import type { Finding } from "../report.ts";
import { annotationCommand } from "./annotations.ts";

const at = { file: "keys/a,b:c.yaml", line: 3, column: 5, endLine: 3, endColumn: 9, side: "head" as const };

describe("annotationCommand", () => {
  it.each<{ name: string; finding: Finding; expected: string }>([
    {
      name: "an error on one line, with columns",
      finding: {
        rule: "invalid-spec",
        severity: "error",
        message: "scopes[1] is bad",
        key: "shop/web",
        location: at,
      },
      expected:
        "::error file=keys/a%2Cb%3Ac.yaml,line=3,endLine=3,col=5,endColumn=9,title=ayra-keys%3A invalid-spec (shop/web)::scopes[1] is bad",
    },
    {
      name: "a note across lines, without columns",
      finding: {
        rule: "scope-widening",
        severity: "info",
        message: "100% wider\nreally",
        location: { ...at, file: "a.yaml", endLine: 5 },
      },
      expected:
        "::notice file=a.yaml,line=3,endLine=5,title=ayra-keys%3A scope-widening::100%25 wider%0Areally",
    },
    {
      name: "a base-side finding, its place in the message",
      finding: {
        rule: "live-key-deleted",
        severity: "warning",
        message: "Revoked.",
        location: { ...at, file: "old.yaml", side: "base" },
      },
      expected: "::warning title=ayra-keys%3A live-key-deleted::Revoked. (old.yaml:3 in the base)",
    },
    {
      name: "a finding with no place",
      finding: { rule: "preview-failed", severity: "error", message: "The preview failed." },
      expected: "::error title=ayra-keys%3A preview-failed::The preview failed.",
    },
  ])("writes $name", ({ finding, expected }) => {
    expect(annotationCommand(finding)).toBe(expected);
  });
});
