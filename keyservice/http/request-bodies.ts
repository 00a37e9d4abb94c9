// Parsing and checking request bodies and queries: every refusal names the parameter and the rule, and
// never echoes a value (a body may carry a key someone pasted by mistake).
import { isEnvironment, isScope, normalizeScopes, type Scope } from "../../core/domain/index.ts";
import { REVOCATION_REASONS, type RevocationReason } from "../keys/key-record.ts";
import type { IntrospectInput } from "../service/introspection.ts";
import type { CreateInput, PatchInput, RevokeInput, RollInput } from "../service/operation-inputs.ts";
import { ApiError } from "./api-error.ts";

type Json = Record<string, unknown>;

const DAY_MS = 86_400_000;
const MAX_EXPIRY_MS = 3650 * DAY_MS;
const MAX_EFFECTIVE_MS = 365 * DAY_MS;
export const MAX_GRACE_SECONDS = 31_536_000;
export const DEFAULT_GRACE_SECONDS = 86_400;

export function asObject(body: unknown): Json {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new ApiError("invalid_request", "The request body must be a JSON object.");
  return body as Json;
}

function onlyFields(
  body: Json,
  allowed: readonly string[],
  code: "invalid_request" | "immutable_field" = "invalid_request",
): void {
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field)) {
      const message =
        code === "immutable_field"
          ? `"${field}" cannot be changed in place: only ${allowed.join(" and ")} can. Scopes and expiry change by rolling the key.`
          : `"${field}" is not a parameter of this request (allowed: ${allowed.join(", ")}).`;
      throw new ApiError(code, message, { param: field });
    }
  }
}

function parseName(value: unknown): string {
  if (
    typeof value !== "string" ||
    value.trim().length === 0 ||
    value.length > 100 ||
    hasControlCharacter(value)
  )
    throw new ApiError(
      "invalid_name",
      "name must be a string of 1 to 100 characters without control characters.",
      {
        param: "name",
      },
    );
  return value;
}

function parseScopes(value: unknown): Scope[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new ApiError("invalid_scope", "scopes must be a non-empty array of scope names.", {
      param: "scopes",
    });
  const seen = new Set<string>();
  value.forEach((s, i) => {
    if (typeof s !== "string" || !isScope(s))
      throw new ApiError("invalid_scope", `scopes[${i}] is not a known scope.`, { param: `scopes[${i}]` });
    if (seen.has(s))
      throw new ApiError("invalid_scope", `scopes[${i}] repeats "${s}".`, { param: `scopes[${i}]` });
    seen.add(s);
  });
  return normalizeScopes(value as Scope[]);
}

function parseTime(
  value: unknown,
  param: string,
  code: "invalid_expires_at" | "invalid_effective_at",
): number {
  const ms =
    typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (Number.isNaN(ms))
    throw new ApiError(code, `${param} must be an RFC 3339 date-time such as 2027-01-31T00:00:00Z.`, {
      param,
    });
  return ms;
}

function parseExpiresAt(value: unknown, now: number): number | null {
  if (value === undefined || value === null) return null;
  const ms = parseTime(value, "expires_at", "invalid_expires_at");
  if (ms <= now)
    throw new ApiError("expires_at_in_past", "expires_at must be in the future.", { param: "expires_at" });
  if (ms - now > MAX_EXPIRY_MS)
    throw new ApiError("invalid_expires_at", "expires_at must be at most 3650 days ahead.", {
      param: "expires_at",
    });
  return ms;
}

export function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new ApiError("invalid_metadata", "metadata must be an object of string values.", {
      param: "metadata",
    });
  const entries = Object.entries(value as Json);
  if (entries.length > 20)
    throw new ApiError("invalid_metadata", "metadata may have at most 20 keys.", { param: "metadata" });
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > 40 || /[[\]]/.test(k))
      throw new ApiError("invalid_metadata", "metadata keys must be 1 to 40 characters without [ or ].", {
        param: "metadata",
      });
    if (typeof v !== "string" || v.length > 500)
      throw new ApiError("invalid_metadata", `metadata.${k} must be a string of at most 500 characters.`, {
        param: `metadata.${k}`,
      });
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export function parseCreate(body: unknown, now: number): CreateInput {
  const b = asObject(body);
  onlyFields(b, ["name", "environment", "scopes", "expires_at", "metadata"]);
  if (b.name === undefined) throw new ApiError("invalid_name", "name is required.", { param: "name" });
  if (!isEnvironment(b.environment))
    throw new ApiError("invalid_environment", 'environment must be "live" or "test".', {
      param: "environment",
    });
  return {
    name: parseName(b.name),
    environment: b.environment,
    scopes: parseScopes(b.scopes),
    expiresAt: parseExpiresAt(b.expires_at, now),
    metadata: parseMetadata(b.metadata),
  };
}

export function parseRoll(body: unknown, now: number): RollInput {
  const b = body === undefined ? {} : asObject(body);
  onlyFields(b, ["scopes", "expires_at", "grace_period_seconds"]);
  const grace = b.grace_period_seconds ?? DEFAULT_GRACE_SECONDS;
  if (typeof grace !== "number" || !Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS)
    throw new ApiError(
      "invalid_grace_period",
      `grace_period_seconds must be an integer from 0 to ${MAX_GRACE_SECONDS}.`,
      {
        param: "grace_period_seconds",
      },
    );
  const input: RollInput = { graceSeconds: grace };
  if (b.scopes !== undefined) input.scopes = parseScopes(b.scopes);
  if (b.expires_at !== undefined) input.expiresAt = parseExpiresAt(b.expires_at, now);
  return input;
}

export function parseRevoke(body: unknown, now: number): RevokeInput {
  const b = asObject(body);
  onlyFields(b, ["reason", "note", "effective_at"]);
  if (typeof b.reason !== "string" || !(REVOCATION_REASONS as readonly string[]).includes(b.reason))
    throw new ApiError("invalid_reason", `reason must be one of ${REVOCATION_REASONS.join(", ")}.`, {
      param: "reason",
    });
  if (b.note !== undefined && (typeof b.note !== "string" || b.note.length > 500))
    throw new ApiError("invalid_request", "note must be a string of at most 500 characters.", {
      param: "note",
    });
  let effectiveAt: number | null = null;
  if (b.effective_at !== undefined && b.effective_at !== null) {
    effectiveAt = parseTime(b.effective_at, "effective_at", "invalid_effective_at");
    if (effectiveAt - now > MAX_EFFECTIVE_MS)
      throw new ApiError("invalid_effective_at", "effective_at must be at most 365 days ahead.", {
        param: "effective_at",
      });
    if (effectiveAt <= now) effectiveAt = null; // a moment already past means now
  }
  return { reason: b.reason as RevocationReason, note: (b.note as string | undefined) ?? null, effectiveAt };
}

export function parsePatch(body: unknown): PatchInput {
  const b = asObject(body);
  onlyFields(b, ["name", "metadata"], "immutable_field");
  const input: PatchInput = {};
  if (b.name !== undefined) input.name = parseName(b.name);
  if (b.metadata !== undefined) input.metadata = parseMetadata(b.metadata);
  return input;
}

export function parseIntrospect(body: unknown): IntrospectInput {
  const b = asObject(body);
  onlyFields(b, ["key", "record_use"]);
  if (typeof b.key !== "string" || b.key.length > 512)
    throw new ApiError("invalid_request", "key must be a string of at most 512 characters.", {
      param: "key",
    });
  if (b.record_use !== undefined && typeof b.record_use !== "boolean")
    throw new ApiError("invalid_request", "record_use must be true or false (default true).", {
      param: "record_use",
    });
  return { key: b.key, recordUse: b.record_use !== false };
}
