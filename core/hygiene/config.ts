import { describeValue } from "../domain/safe-text.ts";
import { HYGIENE_RULE_IDS, type HygieneConfig, type HygieneRuleId, type SeveritySetting } from "./rules.ts";

/* A hygiene config from a repository policy file, stack config or policy pack, checked field by field. */

export type HygieneConfigError = { path: string; message: string };
export type HygieneConfigResult =
  | { ok: true; config: HygieneConfig }
  | { ok: false; errors: HygieneConfigError[] };

const SEVERITIES: readonly SeveritySetting[] = ["error", "warning", "info", "off"];
const DAY_FIELDS = ["maxLiveLifetimeDays", "maxTestLifetimeDays", "adminMaxLifetimeDays"] as const;
const LIST_FIELDS = ["extraPoorNames", "extraReadOnlyNameWords"] as const;
const FIELDS: readonly string[] = ["rules", ...DAY_FIELDS, ...LIST_FIELDS];
const MAX_DAYS = 3650;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isRuleId(value: string): value is HygieneRuleId {
  return (HYGIENE_RULE_IDS as readonly string[]).includes(value);
}

function isSeverity(value: unknown): value is SeveritySetting {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

/** A missing config (undefined or null) is the default config. */
export function parseHygieneConfig(input: unknown): HygieneConfigResult {
  if (input === undefined || input === null) return { ok: true, config: {} };
  if (!isRecord(input)) {
    return {
      ok: false,
      errors: [{ path: "", message: `A hygiene config must be an object, not ${describeValue(input)}.` }],
    };
  }
  const errors: HygieneConfigError[] = [];
  const config: HygieneConfig = {};
  for (const field of Object.keys(input)) {
    if (!FIELDS.includes(field)) {
      errors.push({
        path: field,
        message: `${describeValue(field)} is not a hygiene setting; the settings are: ${FIELDS.join(", ")}.`,
      });
    }
  }
  if (input.rules !== undefined) {
    if (!isRecord(input.rules)) {
      errors.push({
        path: "rules",
        message: "rules must map rule ids to a severity, e.g. {poor-name: off}.",
      });
    } else {
      const rules: Partial<Record<HygieneRuleId, SeveritySetting>> = {};
      for (const [rule, severity] of Object.entries(input.rules)) {
        const path = `rules.${rule}`;
        if (!isRuleId(rule)) {
          errors.push({
            path,
            message: `${describeValue(rule)} is not a hygiene rule; the rules are: ${HYGIENE_RULE_IDS.join(", ")}.`,
          });
        } else if (!isSeverity(severity)) {
          errors.push({
            path,
            message: `${path} must be one of: ${SEVERITIES.join(", ")}; it is ${describeValue(severity)}.`,
          });
        } else {
          rules[rule] = severity;
        }
      }
      config.rules = rules;
    }
  }
  for (const field of DAY_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_DAYS) {
      errors.push({
        path: field,
        message: `${field} must be a whole number of days from 1 to ${MAX_DAYS}; it is ${describeValue(value)}.`,
      });
    } else {
      config[field] = value;
    }
  }
  for (const field of LIST_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && item.trim() !== "")) {
      errors.push({ path: field, message: `${field} must be a list of non-empty strings.` });
    } else {
      config[field] = [...value];
    }
  }
  return errors.length === 0 ? { ok: true, config } : { ok: false, errors };
}
