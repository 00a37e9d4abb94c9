// The key hygiene rules of core/hygiene as Pulumi policies: one policy per rule, named by the rule's id, its
// enforcement level from the rule's severity (error → mandatory, warning → advisory), its settings from the
// policy's config. The judgement is core's; this only adapts it to @pulumi/policy.
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";
import {
  evaluateHygiene,
  HYGIENE_RULE_IDS,
  HYGIENE_RULES,
  type HygieneConfig,
  type HygieneRuleId,
  parseHygieneConfig,
  type Severity,
} from "../../core/hygiene/index.ts";
import { validateKeySpec } from "../../core/spec/index.ts";
import { specInputOf } from "../runtime/check.ts";
import { API_KEY_TYPE } from "../runtime/state.ts";

export const ENFORCEMENT_FOR_SEVERITY: Record<Severity, EnforcementLevel> = {
  error: "mandatory",
  warning: "advisory",
  info: "advisory",
};

const DAYS = { type: "integer", minimum: 1, maximum: 3650 } as const;
const WORDS = { type: "array", items: { type: "string", minLength: 1 } } as const;

/** The hygiene settings each rule reads, as policy config (`--policy-pack-config`). */
const SETTINGS: Partial<Record<HygieneRuleId, PolicyConfigSchema>> = {
  "live-admin-full": {
    properties: {
      adminMaxLifetimeDays: { ...DAYS, description: "admin:full is allowed within this lifetime" },
    },
  },
  "live-long-expiry": {
    properties: { maxLiveLifetimeDays: { ...DAYS, description: "the longest lifetime of a live key" } },
  },
  "test-long-expiry": {
    properties: { maxTestLifetimeDays: { ...DAYS, description: "the longest lifetime of a test key" } },
  },
  "poor-name": {
    properties: { extraPoorNames: { ...WORDS, description: "names to flag besides the seed's" } },
  },
  "write-scope-on-readonly-name": {
    properties: { extraReadOnlyNameWords: { ...WORDS, description: "words that mark a read-only key" } },
  },
};

export interface ApiKeyPoliciesOptions {
  /** Hygiene settings for every policy (each policy's own config overrides them). */
  config?: HygieneConfig;
  /** Enforcement per rule, overriding the severity's; a policy config's enforcementLevel overrides this. */
  enforcement?: Partial<Record<HygieneRuleId, EnforcementLevel>>;
  now?: () => Date;
}

function settingsFrom(args: ResourceValidationArgs, base: HygieneConfig): HygieneConfig {
  const parsed = parseHygieneConfig(args.getConfig<Record<string, unknown>>());
  // The engine validated the config against the schema; anything else is ignored rather than fatal.
  return parsed.ok ? { ...base, ...parsed.config } : base;
}

function validator(rule: HygieneRuleId, options: ApiKeyPoliciesOptions) {
  return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
    if (args.type !== API_KEY_TYPE) return;
    const now = options.now?.() ?? new Date();
    // Props arrive wrapped in @pulumi/policy's unknown-checking proxies; the validator wants plain data.
    const props: unknown = JSON.parse(JSON.stringify(specInputOf(args.props)));
    const result = validateKeySpec(props, { target: "pulumi", now });
    // An invalid spec fails the provider's check, which names the field; no hygiene verdict on it.
    if (!result.ok) return;
    const config = settingsFrom(args, options.config ?? {});
    const findings = evaluateHygiene(result.spec, { now, config: { ...config, rules: { [rule]: "error" } } });
    for (const finding of findings)
      if (finding.rule === rule) reportViolation(`[${rule}] ${finding.path}: ${finding.message}`, args.urn);
  };
}

/** One policy per hygiene rule, for a pack of your own: `new PolicyPack("keys", { policies: apiKeyPolicies() })`. */
export function apiKeyPolicies(options: ApiKeyPoliciesOptions = {}): ResourceValidationPolicy[] {
  return HYGIENE_RULE_IDS.map((rule) => {
    const policy: ResourceValidationPolicy = {
      name: rule,
      description: `Ayra API keys: ${HYGIENE_RULES[rule].summary}.`,
      enforcementLevel: options.enforcement?.[rule] ?? ENFORCEMENT_FOR_SEVERITY[HYGIENE_RULES[rule].severity],
      validateResource: validator(rule, options),
    };
    const schema = SETTINGS[rule];
    if (schema !== undefined) policy.configSchema = schema;
    return policy;
  });
}
