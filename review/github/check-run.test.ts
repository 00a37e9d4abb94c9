import { describe, expect, it } from "vitest";
import type { Finding } from "../report.ts";
import { checkAnnotations } from "./check-run.ts";
import { commentMarker } from "./sticky-comment.ts";

const at = { file: "keys/web.yaml", line: 3, column: 5, endLine: 3, endColumn: 9, side: "head" as const };

describe("checkAnnotations", () => {
  it("maps severities and keeps columns only within one line", () => {
    const findings: Finding[] = [
      { rule: "invalid-spec", severity: "error", message: "bad", key: "shop/web", location: at },
      { rule: "poor-name", severity: "warning", message: "name", location: { ...at, endLine: 4 } },
      { rule: "scope-widening", severity: "info", message: "wider", location: at },
    ];
    expect(checkAnnotations(findings)).toEqual([
      {
        path: "keys/web.yaml",
        start_line: 3,
        end_line: 3,
        start_column: 5,
        end_column: 9,
        annotation_level: "failure",
        message: "bad",
        title: "ayra-keys: invalid-spec (shop/web)",
      },
      {
        path: "keys/web.yaml",
        start_line: 3,
        end_line: 4,
        annotation_level: "warning",
        message: "name",
        title: "ayra-keys: poor-name",
      },
      {
        path: "keys/web.yaml",
        start_line: 3,
        end_line: 3,
        start_column: 5,
        end_column: 9,
        annotation_level: "notice",
        message: "wider",
        title: "ayra-keys: scope-widening",
      },
    ]);
  });

  it("leaves out findings without a line in the head", () => {
    const findings: Finding[] = [
      { rule: "live-key-deleted", severity: "warning", message: "gone", location: { ...at, side: "base" } },
      { rule: "preview-failed", severity: "error", message: "failed" },
    ];
    expect(checkAnnotations(findings)).toEqual([]);
  });
});

describe("commentMarker", () => {
  it("is an HTML comment no root can close early", () => {
    expect(commentMarker("keys")).toBe('<!-- ayra-keys-review root="keys" -->');
    expect(commentMarker("a-->b")).not.toMatch(/-->.*-->/);
  });
});
