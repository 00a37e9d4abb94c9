import type { KeySpec } from "./key-spec.ts";
import { kubernetesOnlyErrors } from "./kubernetes-only.ts";
import { isWithin } from "./paths.ts";
import { schemaValidator } from "./schema.ts";
import { translateSchemaError } from "./schema-errors.ts";
import { semanticErrors } from "./semantic-rules.ts";
import type { SpecError } from "./spec-error.ts";

export type ValidationTarget = "pulumi" | "kubernetes";
export type ValidateOptions = { target: ValidationTarget; now?: Date };
export type ValidationResult = { ok: true; spec: KeySpec } | { ok: false; errors: SpecError[] };

/**
 * The one validator for an ApiKey spec: schema first, then the semantic rules (which assume
 * a schema-valid spec). The returned spec is a copy; defaults are not filled in.
 */
export function validateKeySpec(input: unknown, options: ValidateOptions): ValidationResult {
  const refused = options.target === "pulumi" ? kubernetesOnlyErrors(input) : [];
  const validate = schemaValidator();
  // The cast is the point of the schema check: KeySpec is the schema's shape, written by hand.
  const spec = validate(input) ? (structuredClone(input) as KeySpec) : undefined;
  const errors =
    spec !== undefined
      ? semanticErrors(spec, options.now ?? new Date())
      : firstPerPath((validate.errors ?? []).map(translateSchemaError));
  // A refused field's own problems are noise: the user has to remove it anyway.
  const relevant = errors.filter((error) => !refused.some((r) => isWithin(error.path, r.path)));
  const all = [...refused, ...relevant];
  return spec !== undefined && all.length === 0 ? { ok: true, spec } : { ok: false, errors: all };
}

// ajv can fail one value on several keywords ("" is both too short and blank): say it once.
function firstPerPath(errors: SpecError[]): SpecError[] {
  return errors.filter((error, index) => errors.findIndex((e) => e.path === error.path) === index);
}

/** The errors as one message, for Pulumi `check` failures and Stalled conditions. */
export function formatSpecErrors(errors: readonly SpecError[]): string {
  return errors.map((error) => error.message).join(" ");
}
