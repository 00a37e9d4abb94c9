export { type HygieneConfigError, type HygieneConfigResult, parseHygieneConfig } from "./config.ts";
export { evaluateHygiene, type HygieneOptions } from "./evaluate.ts";
export { type KeyLiteralFinding, type ScanOptions, scanForKeyLiterals } from "./key-literals.ts";
export { isPoorName, READ_ONLY_NAME_WORDS, readOnlyNameWord } from "./names.ts";
export {
  DEFAULT_HYGIENE_SETTINGS,
  HYGIENE_RULE_IDS,
  HYGIENE_RULES,
  type HygieneConfig,
  type HygieneFinding,
  type HygieneRuleId,
  hasErrors,
  type ResolvedHygieneConfig,
  resolveHygieneConfig,
  type Severity,
  type SeveritySetting,
} from "./rules.ts";
