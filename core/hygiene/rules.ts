/*
 * The key hygiene rules of DESIGN.md: one table of ids and default severities, shared by the
 * Pulumi policy pack and check warnings, the review and the controller's Warning events.
 */

export type Severity = "error" | "warning" | "info";
export type SeveritySetting = Severity | "off";

export const HYGIENE_RULES = {
  "live-admin-full": { severity: "error", summary: "a live key with admin:full must expire soon" },
  "live-no-expiry": { severity: "error", summary: "a live key must expire" },
  "live-long-expiry": { severity: "error", summary: "a live key must not live longer than the maximum" },
  "test-no-expiry": { severity: "warning", summary: "a test key should expire" },
  "test-long-expiry": { severity: "warning", summary: "a test key should not live longer than the maximum" },
  "live-zero-grace": {
    severity: "warning",
    summary: "a live key should keep working for a while after rotation",
  },
  "poor-name": { severity: "warning", summary: "a key's name should say what uses it" },
  "write-scope-on-readonly-name": {
    severity: "warning",
    summary: "a key named for read-only use should not have write scopes",
  },
  "key-literal": { severity: "error", summary: "a full API key must never appear in a change" },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type HygieneRuleId = keyof typeof HYGIENE_RULES;
export const HYGIENE_RULE_IDS = Object.keys(HYGIENE_RULES) as HygieneRuleId[];

export type HygieneFinding = { rule: HygieneRuleId; severity: Severity; path: string; message: string };

export type HygieneConfig = {
  /** Per-rule severity, or "off"; unlisted rules keep their default. */
  rules?: Partial<Record<HygieneRuleId, SeveritySetting>>;
  /** live-long-expiry: the longest allowed lifetime of a live key. */
  maxLiveLifetimeDays?: number;
  /** test-long-expiry: the longest allowed lifetime of a test key. */
  maxTestLifetimeDays?: number;
  /** live-admin-full: an admin:full live key is allowed when it expires within this many days. */
  adminMaxLifetimeDays?: number;
  /** poor-name: names to flag besides the seed's ("Key 1", "Test", "New Key", "API Key"). */
  extraPoorNames?: string[];
  /** write-scope-on-readonly-name: words besides dashboard, analytics, read-only, reporting, viewer. */
  extraReadOnlyNameWords?: string[];
};

export const DEFAULT_HYGIENE_SETTINGS = {
  maxLiveLifetimeDays: 365,
  maxTestLifetimeDays: 365,
  adminMaxLifetimeDays: 90,
  extraPoorNames: [] as readonly string[],
  extraReadOnlyNameWords: [] as readonly string[],
};

export type ResolvedHygieneConfig = typeof DEFAULT_HYGIENE_SETTINGS & {
  severity: (rule: HygieneRuleId) => SeveritySetting;
};

/** Defaults merged once (style 11); `severity` answers for every rule. */
export function resolveHygieneConfig(config: HygieneConfig = {}): ResolvedHygieneConfig {
  const rules = config.rules ?? {};
  return {
    maxLiveLifetimeDays: config.maxLiveLifetimeDays ?? DEFAULT_HYGIENE_SETTINGS.maxLiveLifetimeDays,
    maxTestLifetimeDays: config.maxTestLifetimeDays ?? DEFAULT_HYGIENE_SETTINGS.maxTestLifetimeDays,
    adminMaxLifetimeDays: config.adminMaxLifetimeDays ?? DEFAULT_HYGIENE_SETTINGS.adminMaxLifetimeDays,
    extraPoorNames: config.extraPoorNames ?? DEFAULT_HYGIENE_SETTINGS.extraPoorNames,
    extraReadOnlyNameWords: config.extraReadOnlyNameWords ?? DEFAULT_HYGIENE_SETTINGS.extraReadOnlyNameWords,
    severity: (rule) => rules[rule] ?? HYGIENE_RULES[rule].severity,
  };
}

/** True when any finding blocks: a failed check run, a failing policy. */
export function hasErrors(findings: readonly { severity: Severity }[]): boolean {
  return findings.some((finding) => finding.severity === "error");
}
