// Wire types of the keys API, written by hand to match schemas/keys-api.openapi.yaml. Property names are the
// wire names (snake_case) so a value can be compared with a captured response without translation.

export type Environment = "live" | "test";

export type Scope =
  | "agents:read"
  | "conversations:read"
  | "contacts:read"
  | "analytics:read"
  | "agents:write"
  | "conversations:write"
  | "contacts:write"
  | "workflows:write"
  | "admin:full"
  | "api_keys:read"
  | "api_keys:write";

export type KeyStatus = "active" | "expiring" | "expired" | "revoked";

export type RevocationReason = "compromised" | "replaced" | "unused" | "employee_departure" | "project_ended";

/** RFC 3339 date-time in UTC, e.g. `2025-01-15T09:30:00.000Z`. */
export type Timestamp = string;

/** At most 20 keys (1–40 characters, no `[` or `]`), values at most 500 characters. */
export type Metadata = Record<string, string>;

export interface ApiKey {
  object: "api_key";
  /** `key_` + 24 base62 characters. */
  id: string;
  name: string;
  environment: Environment;
  scopes: Scope[];
  status: KeyStatus;
  /** `sk_live_abc123...GHIJ`: never the secret. */
  redacted: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  expires_at: Timestamp | null;
  /** The deadline of an `expiring` key (after a roll or a scheduled revocation). */
  expiring_at: Timestamp | null;
  last_used_at: Timestamp | null;
  rolled_from: string | null;
  replaced_by: string | null;
  revoked_at: Timestamp | null;
  revocation_reason: RevocationReason | null;
  metadata: Metadata;
}

/** Returned only by create and roll (and their idempotent replays). */
export interface ApiKeyWithSecret extends ApiKey {
  secret: string;
}

export interface ListPage<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  /** Opaque; non-null exactly when `has_more`. Pass back as `starting_after` with the same filters. */
  next_cursor: string | null;
}

export interface CreateApiKeyRequest {
  name: string;
  environment: Environment;
  scopes: readonly Scope[];
  /** Omitted or null: no expiry. */
  expires_at?: Timestamp | null;
  metadata?: Metadata;
}

export interface UpdateApiKeyRequest {
  name?: string;
  /** Replaces the stored metadata whole. */
  metadata?: Metadata;
}

export interface RollApiKeyRequest {
  scopes?: readonly Scope[];
  /** Omitted: now + the old key's lifetime; null: no expiry. */
  expires_at?: Timestamp | null;
  /** 0 … 31_536_000; the server's default is 86_400 (one day). */
  grace_period_seconds?: number;
}

export interface RevokeApiKeyRequest {
  reason: RevocationReason;
  note?: string;
  /** Omitted or not in the future: at once; later: the key is `expiring` until then. */
  effective_at?: Timestamp;
}

export interface PageQuery {
  /** 1–100, default 20. */
  limit?: number;
  starting_after?: string;
}

export interface ListApiKeysQuery extends PageQuery {
  environment?: Environment;
  status?: KeyStatus;
  /** Exact, case-sensitive. */
  name?: string;
  /** Inclusive; orders the list by (updated_at, id). */
  updated_after?: Timestamp;
  /** Sent as `metadata[KEY]=VALUE`; a key must hold every pair. */
  metadata?: Metadata;
}

export interface ListAuditEventsQuery extends PageQuery {
  key_id?: string;
  action?: AuditAction;
  /** Inclusive: events created at or after this instant. */
  created_after?: Timestamp;
}

export interface UsageQuery {
  since?: Timestamp;
  until?: Timestamp;
}

export interface ApiKeyUsage {
  object: "api_key_usage";
  id: string;
  last_used_at: Timestamp | null;
  /** `last_used_at` and counts may lag by this much. */
  flush_interval_seconds: number;
  hourly: { hour: Timestamp; count: number }[];
  /** Times the key was presented after it was revoked or expired (each refused as an unknown key). */
  revoked_attempts?: number;
  last_revoked_attempt_at?: Timestamp | null;
}

export type Introspection =
  | {
      active: true;
      id: string;
      environment: Environment;
      scopes: Scope[];
      expires_at: Timestamp | null;
      expiring_at: Timestamp | null;
    }
  | { active: false };

export type AuditAction =
  | "api_key.created"
  | "api_key.updated"
  | "api_key.rolled"
  | "api_key.revoked"
  | "api_key.revocation_scheduled"
  | "api_key.expired"
  | "api_key.bootstrap"
  /** A revoked or expired key was presented (at most one event per key per minute; usage counts them all). */
  | "api_key.revoked_key_used"
  /** A management key signed in to the dashboard (the session, never the key, is what the browser holds). */
  | "api_key.signed_in";

export interface AuditEvent {
  id: string;
  object: "audit_event";
  created_at: Timestamp;
  /** null for the service's own actions (expiry, deadlines, bootstrap). */
  actor_key_id: string | null;
  action: AuditAction;
  target_key_id: string;
  request_id: string | null;
  ip?: string;
  details: Record<string, unknown>;
}

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "conflict_error"
  | "idempotency_error"
  | "rate_limit_error"
  | "api_error";

/** The body of every error response. */
export interface ErrorBody {
  error: { type: ErrorType; code: string; message: string; param?: string; request_id: string };
}
