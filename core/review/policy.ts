import { describeValue } from "../domain/safe-text.ts";
import { parseHygieneConfig } from "../hygiene/config.ts";
import { HYGIENE_RULE_IDS, type HygieneConfig, type SeveritySetting } from "../hygiene/rules.ts";
import { type ChartSource, parseChartSources } from "./chart-sources.ts";
import {
  FAIL_ON_VALUES,
  type FailOn,
  isHygieneRuleId,
  isReviewRuleId,
  REVIEW_RULE_IDS,
  REVIEW_RULES,
  type ReviewRuleId,
} from "./rules.ts";

/*
 * A repository's review policy (the `.ayra-keys.yaml` file): core's hygiene settings, flat, plus the
 * review's own. `rules` takes hygiene and review rule ids alike.
 *
 *   rules: { poor-name: off, write-scope-widening: error }
 *   maxLiveLifetimeDays: 180
 *   failOn: warning
 *   namespace: keys
 *   keyLiterals: diff
 *   charts: [{ chart: deploy/charts/keys, values: [deploy/charts/keys/values-prod.yaml] }]
 */

/** Where the review looks for pasted keys: every file of the diff, or only the reviewed paths. */
export type KeyLiteralScope = "diff" | "paths";

export type ReviewPolicy = {
  hygiene: HygieneConfig;
  rules: Partial<Record<ReviewRuleId, SeveritySetting>>;
  failOn: FailOn;
  /** The namespace of an ApiKey manifest without metadata.namespace (what `kubectl apply -n` would use). */
  namespace: string;
  keyLiterals: KeyLiteralScope;
  /** Helm charts to render and review (see chart-sources.ts). */
  charts: ChartSource[];
};

export type PolicyError = { path: string; message: string };
export type ReviewPolicyResult = { ok: true; policy: ReviewPolicy } | { ok: false; errors: PolicyError[] };

export const DEFAULT_REVIEW_POLICY: ReviewPolicy = {
  hygiene: {},
  rules: {},
  failOn: "error",
  namespace: "default",
  keyLiterals: "diff",
  charts: [],
};

const REVIEW_FIELDS = ["failOn", "namespace", "keyLiterals", "charts"] as const;
const HYGIENE_FIELDS = [
  "maxLiveLifetimeDays",
  "maxTestLifetimeDays",
  "adminMaxLifetimeDays",
  "extraPoorNames",
  "extraReadOnlyNameWords",
] as const;
const FIELDS: readonly string[] = ["rules", ...REVIEW_FIELDS, ...HYGIENE_FIELDS];
const SEVERITIES: readonly SeveritySetting[] = ["error", "warning", "info", "off"];
const KEY_LITERAL_SCOPES: readonly KeyLiteralScope[] = ["diff", "paths"];
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === "string" && (allowed as readonly string[]).includes(value);
}

type Split = { hygieneRules: Record<string, unknown>; review: ReviewPolicy["rules"]; errors: PolicyError[] };

function splitRules(rules: Record<string, unknown>): Split {
  const split: Split = { hygieneRules: {}, review: {}, errors: [] };
  for (const [rule, severity] of Object.entries(rules)) {
    const path = `rules.${rule}`;
    if (isHygieneRuleId(rule)) {
      split.hygieneRules[rule] = severity;
    } else if (!isReviewRuleId(rule)) {
      split.errors.push({
        path,
        message: `${describeValue(rule)} is not a rule; the rules are: ${[...HYGIENE_RULE_IDS, ...REVIEW_RULE_IDS].join(", ")}.`,
      });
    } else if (REVIEW_RULES[rule].fixed) {
      split.errors.push({
        path,
        message: `${rule} cannot be configured: it reports input that Kubernetes or the keys API would refuse anyway.`,
      });
    } else if (!oneOf(severity, SEVERITIES)) {
      split.errors.push({
        path,
        message: `${path} must be one of: ${SEVERITIES.join(", ")}; it is ${describeValue(severity)}.`,
      });
    } else {
      split.review[rule] = severity;
    }
  }
  return split;
}

/** A missing policy (undefined or null) is the default policy. Every problem is reported, by path. */
export function parseReviewPolicy(input: unknown): ReviewPolicyResult {
  if (input === undefined || input === null) return { ok: true, policy: { ...DEFAULT_REVIEW_POLICY } };
  if (!isRecord(input)) {
    return {
      ok: false,
      errors: [{ path: "", message: `A review policy must be a mapping, not ${describeValue(input)}.` }],
    };
  }
  const errors: PolicyError[] = [];
  const policy: ReviewPolicy = { ...DEFAULT_REVIEW_POLICY };
  for (const field of Object.keys(input)) {
    if (!FIELDS.includes(field)) {
      errors.push({
        path: field,
        message: `${describeValue(field)} is not a review setting; the settings are: ${FIELDS.join(", ")}.`,
      });
    }
  }
  const hygieneInput: Record<string, unknown> = {};
  for (const field of HYGIENE_FIELDS) if (input[field] !== undefined) hygieneInput[field] = input[field];
  if (input.rules !== undefined) {
    if (!isRecord(input.rules)) {
      errors.push({
        path: "rules",
        message: "rules must map rule ids to a severity, e.g. {poor-name: off}.",
      });
    } else {
      const split = splitRules(input.rules);
      errors.push(...split.errors);
      policy.rules = split.review;
      if (Object.keys(split.hygieneRules).length > 0) hygieneInput.rules = split.hygieneRules;
    }
  }
  const hygiene = parseHygieneConfig(hygieneInput);
  if (hygiene.ok) policy.hygiene = hygiene.config;
  else errors.push(...hygiene.errors);
  if (input.failOn !== undefined) {
    if (oneOf(input.failOn, FAIL_ON_VALUES)) policy.failOn = input.failOn;
    else
      errors.push({
        path: "failOn",
        message: `failOn must be one of: ${FAIL_ON_VALUES.join(", ")}; it is ${describeValue(input.failOn)}.`,
      });
  }
  if (input.namespace !== undefined) {
    if (
      typeof input.namespace === "string" &&
      input.namespace.length <= 63 &&
      NAMESPACE.test(input.namespace)
    )
      policy.namespace = input.namespace;
    else
      errors.push({
        path: "namespace",
        message: `namespace must be a Kubernetes namespace name (lowercase letters, digits and '-'); it is ${describeValue(input.namespace)}.`,
      });
  }
  if (input.keyLiterals !== undefined) {
    if (oneOf(input.keyLiterals, KEY_LITERAL_SCOPES)) policy.keyLiterals = input.keyLiterals;
    else
      errors.push({
        path: "keyLiterals",
        message: `keyLiterals must be one of: ${KEY_LITERAL_SCOPES.join(", ")}; it is ${describeValue(input.keyLiterals)}.`,
      });
  }
  if (input.charts !== undefined) {
    const parsed = parseChartSources(input.charts);
    policy.charts = parsed.charts;
    errors.push(...parsed.errors);
  }
  return errors.length === 0 ? { ok: true, policy } : { ok: false, errors };
}
