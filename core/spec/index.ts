export { mintsNewKey, type SpecEdit } from "./edit-rules.ts";
export * from "./key-spec.ts";
export { API_KEY_SCHEMA, KUBERNETES_ONLY_KEYWORD, kubernetesOnlyPaths } from "./schema.ts";
export { SPEC_RULES } from "./semantic-rules.ts";
export type { SpecError } from "./spec-error.ts";
export {
  formatSpecErrors,
  type ValidateOptions,
  type ValidationResult,
  type ValidationTarget,
  validateKeySpec,
} from "./validate.ts";
