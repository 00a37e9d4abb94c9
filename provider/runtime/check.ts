// check: validate through core's validator (one failure per property, the same words as the review and the
// controller), normalize so an unchanged program gives unchanged inputs, and warn about hygiene. No I/O.
import { normalizeScopes } from "../../core/domain/index.ts";
import { evaluateHygiene, type HygieneConfig } from "../../core/hygiene/index.ts";
import { type KeySpec, validateKeySpec } from "../../core/spec/index.ts";
import { type ApiKeyInputs, PROVIDER_PROPERTY, REVOCATION_REASONS, specOf } from "./state.ts";

/**
 * One problem with one field. `property` stays empty: the engine prints the raw value of a named top-level
 * property beside the failure, which could echo a key pasted into a text field (promise 3); the reason names
 * the field instead (`rotation.quietPeriod is …`), in the validator's words.
 */
export interface CheckFailure {
  property: "";
  reason: string;
}

export interface CheckOutcome {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
  /** Hygiene findings and settings problems, for the engine's output; never a key value. */
  warnings: string[];
}

/** The engine's placeholder for a value not known yet (a preview of a computed input). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The spec part of raw inputs or resource properties: everything but the provider's own properties. */
export function specInputOf(news: Record<string, unknown>): Record<string, unknown> {
  const { [PROVIDER_PROPERTY]: _provider, slot: _slot, deletionReason: _reason, ...spec } = news;
  // The SDK may send an explicit null for an unset optional input; the spec treats that as absent.
  for (const [key, value] of Object.entries(spec))
    if (value === null || value === undefined) delete spec[key];
  if (isRecord(spec.rotation)) {
    const rotation = { ...spec.rotation };
    for (const [key, value] of Object.entries(rotation))
      if (value === null || value === undefined) delete rotation[key];
    spec.rotation = rotation;
  }
  return spec;
}

function normalized(spec: KeySpec, news: Record<string, unknown>): ApiKeyInputs {
  const inputs: ApiKeyInputs = {
    ...spec,
    scopes: normalizeScopes(spec.scopes),
    slot: String(news.slot),
  };
  if (spec.expiresAt !== undefined) inputs.expiresAt = new Date(spec.expiresAt).toISOString();
  if (news.deletionReason !== undefined && news.deletionReason !== null)
    inputs.deletionReason = news.deletionReason as ApiKeyInputs["deletionReason"];
  return inputs;
}

function providerFailures(news: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  if (typeof news.slot !== "string" || news.slot === "")
    failures.push({
      property: "",
      reason:
        "slot must be the resource's URN; the ApiKey class sets it, so construct the resource with `new ApiKey(...)`.",
    });
  const reason = news.deletionReason;
  if (
    reason !== undefined &&
    reason !== null &&
    !(typeof reason === "string" && (REVOCATION_REASONS as readonly string[]).includes(reason))
  )
    failures.push({
      property: "",
      reason: `deletionReason must be one of: ${REVOCATION_REASONS.join(", ")}.`,
    });
  return failures;
}

function hygieneWarnings(inputs: ApiKeyInputs, now: Date, config: HygieneConfig): string[] {
  const name = inputs.slot.split("::").at(-1) ?? inputs.slot;
  return evaluateHygiene(specOf(inputs), { now, config })
    .filter((finding) => finding.severity !== "info")
    .map((f) => `ApiKey ${JSON.stringify(name)}: ${f.rule} [${f.severity}] ${f.path}: ${f.message}`);
}

export function checkInputs(
  news: Record<string, unknown>,
  options: { now: Date; hygiene: HygieneConfig },
): CheckOutcome {
  // A preview with computed inputs cannot be judged yet; the real run checks again with the values.
  if (containsUnknown(news)) return { inputs: news, failures: [], warnings: [] };
  const failures = providerFailures(news);
  const result = validateKeySpec(specInputOf(news), { target: "pulumi", now: options.now });
  if (!result.ok) failures.push(...result.errors.map((e) => ({ property: "" as const, reason: e.message })));
  if (!result.ok || failures.length > 0) return { inputs: news, failures, warnings: [] };
  const inputs = normalized(result.spec, news);
  return {
    inputs: { ...inputs },
    failures: [],
    warnings: hygieneWarnings(inputs, options.now, options.hygiene),
  };
}
