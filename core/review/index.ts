export { type ChartSource, parseChartSources } from "./chart-sources.ts";
export { type DiffFinding, type DiffInput, diffFindings } from "./diff-findings.ts";
export {
  type KeyChange,
  type KeyChangeInput,
  PLAN_ACTION_LABELS,
  PLAN_ACTIONS,
  type PlanAction,
  type Platform,
  planKeyChange,
  retainedOnDelete,
} from "./key-change.ts";
export {
  DEFAULT_REVIEW_POLICY,
  type KeyLiteralScope,
  type PolicyError,
  parseReviewPolicy,
  type ReviewPolicy,
  type ReviewPolicyResult,
} from "./policy.ts";
export {
  bySeverity,
  FAIL_ON_VALUES,
  type FailOn,
  failsAt,
  isHygieneRuleId,
  isReviewRuleId,
  REVIEW_RULE_IDS,
  REVIEW_RULES,
  type ReviewRuleId,
  type RuleId,
  reviewSeverity,
  ruleSummary,
} from "./rules.ts";
