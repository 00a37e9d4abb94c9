import { HYGIENE_RULES, type HygieneRuleId, type Severity, type SeveritySetting } from "../hygiene/rules.ts";

/*
 * The rules only a review can apply: what a diff, a file or a deletion shows, beyond one spec's
 * hygiene. One table of ids and default severities; the hygiene rules keep theirs (core/hygiene).
 * `fixed` rules describe input the API server or kubectl would refuse: a policy cannot lower them.
 */
export const REVIEW_RULES = {
  "invalid-manifest": {
    severity: "error",
    fixed: true,
    summary: "a manifest must parse and describe a well-formed ApiKey",
  },
  "invalid-spec": {
    severity: "error",
    fixed: true,
    summary: "an ApiKey spec must pass the key-spec validator",
  },
  "duplicate-key": { severity: "error", fixed: true, summary: "each ApiKey namespace/name is declared once" },
  "invalid-policy": {
    severity: "error",
    fixed: true,
    summary: "the review policy file must parse and name known settings",
  },
  "preview-failed": {
    severity: "error",
    fixed: true,
    summary: "a Pulumi preview must succeed for its plan to be complete",
  },
  "render-failed": {
    severity: "error",
    fixed: true,
    summary:
      "a kustomization or chart must render from the repository alone: no remote bases or charts, no plugins or exec functions",
  },
  "environment-change": {
    severity: "error",
    fixed: false,
    summary: "an ApiKey's environment cannot change: the API server refuses the edit",
  },
  "environment-replaced": {
    severity: "warning",
    fixed: false,
    summary: "a Pulumi ApiKey moving to another environment is replaced by a new key",
  },
  "scope-widening": { severity: "info", fixed: false, summary: "a change adds read scopes to a key" },
  "write-scope-widening": {
    severity: "warning",
    fixed: false,
    summary: "a change adds write scopes or admin:full to a key",
  },
  "live-key-deleted": {
    severity: "warning",
    fixed: false,
    summary: "deleting a live ApiKey revokes a production key",
  },
  "key-retained": {
    severity: "info",
    fixed: false,
    summary: "a deleted key that is retained keeps working, unmanaged",
  },
  "key-literal-removed": {
    severity: "warning",
    fixed: false,
    summary: "a key removed from a file stays in the git history: revoke it",
  },
  "unreadable-file": {
    severity: "warning",
    fixed: false,
    summary: "a file that may hold ApiKeys could not be read",
  },
  "policy-changed": {
    severity: "info",
    fixed: false,
    summary: "the policy file changes here; this review applies the base version",
  },
} as const satisfies Record<string, { severity: Severity; fixed: boolean; summary: string }>;

export type ReviewRuleId = keyof typeof REVIEW_RULES;
export const REVIEW_RULE_IDS = Object.keys(REVIEW_RULES) as ReviewRuleId[];

/** Every rule a review reports: the hygiene rules and the review's own. */
export type RuleId = HygieneRuleId | ReviewRuleId;

export function isReviewRuleId(id: string): id is ReviewRuleId {
  return Object.hasOwn(REVIEW_RULES, id);
}

export function isHygieneRuleId(id: string): id is HygieneRuleId {
  return Object.hasOwn(HYGIENE_RULES, id);
}

export function ruleSummary(rule: RuleId): string {
  return isReviewRuleId(rule) ? REVIEW_RULES[rule].summary : HYGIENE_RULES[rule].summary;
}

const RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

/** The exit threshold: the least severe finding that fails the review ("never": none does). */
export type FailOn = Severity | "never";
export const FAIL_ON_VALUES: readonly FailOn[] = ["error", "warning", "info", "never"];

export function failsAt(severity: Severity, failOn: FailOn): boolean {
  return failOn !== "never" && RANK[severity] >= RANK[failOn];
}

export function bySeverity(a: Severity, b: Severity): number {
  return RANK[b] - RANK[a];
}

/** A review rule's severity under per-rule settings; a fixed rule ignores them. */
export function reviewSeverity(
  rule: ReviewRuleId,
  settings: Partial<Record<ReviewRuleId, SeveritySetting>> = {},
): SeveritySetting {
  const entry = REVIEW_RULES[rule];
  return entry.fixed ? entry.severity : (settings[rule] ?? entry.severity);
}
