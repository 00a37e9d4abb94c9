import { maskKeyLiterals } from "../core/domain/key-format.ts";
import type { HygieneFinding } from "../core/hygiene/rules.ts";
import { type ReviewPolicy, type ReviewRuleId, reviewSeverity } from "../core/review/index.ts";
import type { SpecError } from "../core/spec/spec-error.ts";
import type { Finding, Location } from "./report.ts";

/* Findings with their place and their configured severity; every message masked once, here. */

export type Locate = (specPath: string) => Location | undefined;

function withPlace(finding: Finding, key: string | undefined, location: Location | undefined): Finding {
  const out: Finding = { ...finding, message: maskKeyLiterals(finding.message) };
  if (key !== undefined) out.key = key;
  if (location !== undefined) out.location = location;
  return out;
}

/** A review rule at the policy's severity; undefined when the policy turns it off. */
export function reviewFinding(
  policy: ReviewPolicy,
  rule: ReviewRuleId,
  message: string,
  place: { key?: string; location?: Location; specPath?: string } = {},
): Finding | undefined {
  const severity = reviewSeverity(rule, policy.rules);
  if (severity === "off") return undefined;
  const finding: Finding = { rule, severity, message };
  if (place.specPath !== undefined) finding.specPath = place.specPath;
  return withPlace(finding, place.key, place.location);
}

export function specErrorFindings(errors: readonly SpecError[], key: string, locate: Locate): Finding[] {
  return errors.map((error) =>
    withPlace(
      {
        rule: "invalid-spec",
        severity: "error",
        message: error.message,
        specPath: error.path,
        check: error.rule,
      },
      key,
      locate(error.path),
    ),
  );
}

export function hygieneFindings(found: readonly HygieneFinding[], key: string, locate: Locate): Finding[] {
  return found.map((hit) =>
    withPlace(
      { rule: hit.rule, severity: hit.severity, message: hit.message, specPath: hit.path },
      key,
      locate(hit.path),
    ),
  );
}
