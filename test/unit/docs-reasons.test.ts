// The Kubernetes guide's tables of condition, Event and action reasons name every reason the planner has,
// so a new reason cannot ship undocumented.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REASONS } from "../../core/planner/reasons.ts";

const guide = readFileSync(new URL("../../docs/kubernetes.md", import.meta.url), "utf8");
const tables = guide.slice(guide.indexOf("## Condition reasons"), guide.indexOf("## Pulumi users"));

describe("docs/kubernetes.md", () => {
  it("has the reason tables", () => {
    expect(tables.length).toBeGreaterThan(0);
  });

  it.each(Object.values(REASONS))("documents the reason %s", (reason) => {
    expect(tables).toContain(`\`${reason}\``);
  });
});
