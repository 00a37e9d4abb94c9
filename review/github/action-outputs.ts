import { randomUUID } from "node:crypto";
import type { Severity } from "../../core/hygiene/rules.ts";

/*
 * The action's outputs, in the $GITHUB_OUTPUT file format: `name<<DELIMITER`, the value, the
 * delimiter, with a delimiter the value cannot contain (the form @actions/core writes).
 */

/** success: nothing reached fail-on; failure: a finding did; error: the review could not run. */
export type ActionConclusion = "success" | "failure" | "error";

export type ActionOutputs = {
  conclusion: ActionConclusion;
  counts?: Record<Severity, number>;
  report?: string;
};

export function formatOutputs(outputs: ActionOutputs): string {
  const entries: [string, string][] = [["conclusion", outputs.conclusion]];
  if (outputs.counts !== undefined) {
    entries.push(
      ["errors", String(outputs.counts.error)],
      ["warnings", String(outputs.counts.warning)],
      ["infos", String(outputs.counts.info)],
    );
  }
  if (outputs.report !== undefined) entries.push(["report", outputs.report]);
  return entries
    .map(([name, value]) => {
      let delimiter = `ghadelimiter_${randomUUID()}`;
      while (value.includes(delimiter)) delimiter = `ghadelimiter_${randomUUID()}`;
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join("");
}
