import type { ErrorObject } from "ajv/dist/2020.js";
import { DURATION_PATTERN_SOURCE, DurationError, parseDuration } from "../domain/durations.ts";
import { describeValue } from "../domain/safe-text.ts";
import { childPath, fieldName, pathFromPointer } from "./paths.ts";
import { fieldsAt } from "./schema.ts";
import type { SpecError } from "./spec-error.ts";

/* ajv's errors in the words of an ApiKey spec: each names the field and never echoes a key. */

const KUBERNETES_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const PATTERN_PHRASES: Record<string, string> = {
  "\\S": "must contain a visible character",
  [KUBERNETES_NAME]:
    "must be a Kubernetes name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
  "^[-._a-zA-Z0-9]+$": "may contain only letters, digits, '-', '_' and '.'",
};

const TYPE_PHRASES: Record<string, string> = {
  string: "a string",
  array: "a list",
  object: "an object",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
};

export function translateSchemaError(error: ErrorObject): SpecError {
  const at = pathFromPointer(error.instancePath);
  const rule = `schema:${error.keyword}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": {
      const path = childPath(at, String(params.missingProperty));
      return { path, rule, message: `${path} is required.` };
    }
    case "additionalProperties":
      return unknownField(at, String(params.additionalProperty));
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String).join(", ");
      const message = at.startsWith("scopes[")
        ? `${at} is ${describeValue(error.data)}, which is not an Ayra scope; the scopes are: ${allowed}.`
        : `${fieldName(at)} must be one of: ${allowed}; it is ${describeValue(error.data)}.`;
      return { path: at, rule, message };
    }
    case "type": {
      const wanted = TYPE_PHRASES[String(params.type)] ?? String(params.type);
      const subject = at === "" ? "An ApiKey spec" : at;
      return { path: at, rule, message: `${subject} must be ${wanted}, not ${describeValue(error.data)}.` };
    }
    case "minLength":
      return Number(params.limit) === 1
        ? { path: at, rule, message: `${at} must not be empty.` }
        : { path: at, rule, message: `${at} must be at least ${params.limit} characters long.` };
    case "maxLength":
      return { path: at, rule, message: `${at} must be at most ${params.limit} characters long.` };
    case "minItems":
      return at === "scopes"
        ? { path: at, rule, message: "scopes must list at least one scope, e.g. analytics:read." }
        : { path: at, rule, message: `${at} must have at least ${params.limit} items.` };
    case "maxItems":
      return { path: at, rule, message: `${at} must have at most ${params.limit} items.` };
    case "uniqueItems": {
      const [first, second] = [Number(params.j), Number(params.i)].sort((a, b) => a - b);
      const repeated = Array.isArray(error.data) ? describeValue(error.data[second ?? 0]) : "an item";
      return {
        path: childPath(at, second ?? 0),
        rule,
        message: `${at} lists ${repeated} twice (${at}[${first}] and ${at}[${second}]); list each once.`,
      };
    }
    case "pattern":
      return patternError(at, String(params.pattern), error.data);
    case "format":
      return {
        path: at,
        rule,
        message: `${at} must be an RFC 3339 date-time like 2026-04-15T00:00:00Z, not ${describeValue(error.data)}.`,
      };
    default:
      return { path: at, rule, message: `${fieldName(at)} ${error.message ?? "is not valid"}.` };
  }
}

function patternError(path: string, pattern: string, data: unknown): SpecError {
  if (pattern === DURATION_PATTERN_SOURCE) {
    // The same rule id and words as a duration the pattern lets through but the parser refuses.
    try {
      parseDuration(String(data), { allowZero: true });
    } catch (error) {
      if (error instanceof DurationError)
        return { path, rule: "duration", message: `${path}: ${error.message}.` };
    }
  }
  const phrase = PATTERN_PHRASES[pattern] ?? "has the wrong form";
  return { path, rule: "schema:pattern", message: `${path} ${phrase}; it is ${describeValue(data)}.` };
}

function unknownField(parent: string, field: string): SpecError {
  const path = childPath(parent, field);
  const where = parent === "" ? "an ApiKey spec" : parent;
  const known = fieldsAt(parent.replace(/\[\d+\]/g, ""));
  const suggestion = closest(field, known);
  const hint = suggestion ? ` Did you mean ${suggestion}?` : ` The fields are: ${known.join(", ")}.`;
  return {
    path,
    rule: "schema:additionalProperties",
    message: `${describeValue(field)} is not a field of ${where}.${hint}`,
  };
}

// Common near-misses that edit distance alone would not catch.
const ALIASES: Record<string, string> = {
  name: "displayName",
  scope: "scopes",
  env: "environment",
  expiry: "expiresAfter",
  expires: "expiresAfter",
  ttl: "expiresAfter",
  grace: "gracePeriod",
};

function closest(field: string, known: readonly string[]): string | undefined {
  const lower = field.toLowerCase().replace(/[-_]/g, "");
  const alias = ALIASES[lower];
  if (alias !== undefined && known.includes(alias)) return alias;
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
