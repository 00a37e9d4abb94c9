import { describe, expect, it } from "vitest";
import { generateKey, KEY_PATTERN } from "../../core/domain/key-format.ts";
import type { Finding, PlanRow, ReviewReport } from "../report.ts";
import { renderMarkdown } from "./markdown.ts";

function report(rows: number, findings: number, extra: Partial<ReviewReport> = {}): ReviewReport {
  const plan: PlanRow[] = Array.from({ length: rows }, (_, i) => ({
    key: `shop/key-${i}`,
    source: "manifest",
    environment: "live",
    action: "new-key",
    summary: "new key (scopes); the old key keeps working for 7d",
    details: ["scopes: + agents:write"],
    location: { file: `keys/key-${i}.yaml`, line: 4, column: 9, endLine: 4, endColumn: 14, side: "head" },
  }));
  const list: Finding[] = Array.from({ length: findings }, (_, i) => ({
    rule: i % 2 === 0 ? "write-scope-widening" : "invalid-spec",
    severity: i % 2 === 0 ? "warning" : "error",
    message: `Finding number ${i} with a long explanation of what is wrong and how to fix it in this manifest.`,
    key: `shop/key-${i % Math.max(rows, 1)}`,
    location: { file: `keys/key-${i}.yaml`, line: 10, column: 7, endLine: 10, endColumn: 20, side: "head" },
  }));
  const counts = { error: list.filter((f) => f.severity === "error").length, warning: 0, info: 0 };
  counts.warning = list.length - counts.error;
  return {
    version: 1,
    root: "keys",
    head: { ref: "HEAD", sha: "a".repeat(40) },
    base: { ref: "main", sha: "b".repeat(40) },
    policy: { source: "defaults", failOn: "error" },
    plan,
    unchanged: 3,
    findings: list,
    counts,
    failed: counts.error > 0,
    ...extra,
  };
}

describe("renderMarkdown", () => {
  it("says a clean change passes", () => {
    const text = renderMarkdown(report(0, 0));
    expect(text).toMatch(/^### ✅ ayra-keys review passes: 0 errors, 0 warnings, 0 notes — `keys`/);
    expect(text).toContain("No risks found.");
    expect(text).not.toContain("<details>");
  });

  it("groups many risks of one rule into one item", () => {
    const text = renderMarkdown(report(10, 10));
    expect(text).toContain("**write-scope-widening** ×5");
    expect(text).toContain("also `shop/key-2`, `shop/key-4`, `shop/key-6`, `shop/key-8`");
  });

  it.each([1_000, 20_000, 65_000])("fits %i characters however big the review", (maxLength) => {
    const text = renderMarkdown(report(3000, 6000), { maxLength, marker: "<!-- m -->" });
    expect(text.length).toBeLessThanOrEqual(maxLength);
    expect(text.startsWith("<!-- m -->\n### ❌")).toBe(true);
  });

  it("says what it left out", () => {
    const text = renderMarkdown(report(3000, 10), { maxLength: 20_000, fullResultHint: "see the check run" });
    expect(text).toMatch(/_… and \d+ keys more: see the check run\._/);
    expect(text).toContain("**Plan** — 3000 keys change, 3 unchanged");
  });

  it("masks a key that reached a message, and escapes table cells", () => {
    const key = generateKey("live");
    const r = report(1, 1);
    if (r.findings[0]) r.findings[0].message = `pasted ${key} | <b>here</b>`;
    if (r.plan[0]) r.plan[0].summary = `a | b ${key}`;
    const text = renderMarkdown(r);
    expect(text).not.toContain(key);
    expect(KEY_PATTERN.test(text)).toBe(false);
    expect(text).toContain("pasted sk_live_[redacted] \\| &lt;b&gt;here&lt;/b&gt;");
  });
});
