import type { ErrorType } from "./types.ts";

/** Codes the keys API documents (`x-error-codes` in schemas/keys-api.openapi.yaml). */
export type KeysApiErrorCode =
  | "invalid_request"
  | "invalid_json"
  | "body_too_large"
  | "unsupported_media_type"
  | "invalid_scope"
  | "invalid_environment"
  | "invalid_name"
  | "invalid_metadata"
  | "expires_at_in_past"
  | "invalid_expires_at"
  | "invalid_grace_period"
  | "invalid_reason"
  | "invalid_effective_at"
  | "immutable_field"
  | "invalid_cursor"
  | "invalid_limit"
  | "invalid_filter"
  | "resource_missing"
  | "route_not_found"
  | "method_not_allowed"
  | "key_already_revoked"
  | "key_not_active"
  | "roll_in_progress"
  | "insufficient_scope"
  | "scope_escalation"
  | "environment_mismatch"
  | "key_not_manageable"
  | "idempotency_key_reused"
  | "idempotency_request_in_progress"
  | "invalid_idempotency_key"
  | "rate_limit_exceeded"
  | "auth_rate_limit_exceeded"
  | "missing_api_key"
  | "invalid_api_key"
  | "service_unavailable"
  | "internal_error";

/**
 * Codes the client makes up when the server's answer is not the documented shape: `http_error` for an error
 * status without an error body (a proxy's 502 page), `invalid_response` for a success or redirect the client
 * cannot use.
 */
export type ClientErrorCode = "http_error" | "invalid_response";

const SECRET_LITERAL = /sk_(live|test)_[A-Za-z0-9]+/g;

/** Replaces every key literal with `sk_live_[redacted]` / `sk_test_[redacted]`. */
export function maskSecrets(text: string): string {
  return text.replace(SECRET_LITERAL, "sk_$1_[redacted]");
}

export interface KeysApiErrorInit {
  status: number;
  type: ErrorType | string;
  code: KeysApiErrorCode | ClientErrorCode | string;
  message: string;
  param?: string | undefined;
  requestId?: string | undefined;
  retryable: boolean;
  retryAfterMs?: number | undefined;
}

/**
 * An error answer from the keys API. Every string that came from the server is masked, because a server (or a
 * proxy) may echo a key back; the request body is never kept, so a secret cannot leak through `cause` either.
 */
export class KeysApiError extends Error {
  static {
    // On the prototype, not a field, so the stack trace captured in super() already carries the name.
    KeysApiError.prototype.name = "KeysApiError";
  }
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly param: string | undefined;
  readonly requestId: string | undefined;
  /** Whether the same request may succeed later (429, 5xx, idempotency_request_in_progress). */
  readonly retryable: boolean;
  /** From `Retry-After`, when the server sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: KeysApiErrorInit) {
    const code = maskSecrets(init.code);
    const requestId = init.requestId === undefined ? undefined : maskSecrets(init.requestId);
    const where = requestId === undefined ? "" : `, request ${requestId}`;
    super(`${maskSecrets(init.message)} (${init.status} ${code}${where})`);
    this.status = init.status;
    this.type = maskSecrets(init.type);
    this.code = code;
    this.param = init.param === undefined ? undefined : maskSecrets(init.param);
    this.requestId = requestId;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      type: this.type,
      code: this.code,
      param: this.param,
      requestId: this.requestId,
      retryable: this.retryable,
    };
  }
}

export type NetworkFailure = "timeout" | "network";

export interface KeysApiNetworkErrorInit {
  kind: NetworkFailure;
  method: string;
  /** The path without its query string. */
  path: string;
  attempts: number;
  timeoutMs?: number;
  cause?: unknown;
}

/** No answer from the keys API: the connection failed or the per-attempt timeout passed, on every attempt. */
export class KeysApiNetworkError extends Error {
  static {
    KeysApiNetworkError.prototype.name = "KeysApiNetworkError";
  }
  readonly kind: NetworkFailure;
  readonly method: string;
  readonly path: string;
  readonly attempts: number;
  readonly timeoutMs: number | undefined;
  readonly retryable = true;

  constructor(init: KeysApiNetworkErrorInit) {
    const what =
      init.kind === "timeout" ? `timed out after ${init.timeoutMs ?? "?"} ms` : "failed to connect";
    const tries = init.attempts === 1 ? "1 attempt" : `${init.attempts} attempts`;
    super(`${init.method} ${init.path} ${what} (${tries})`, { cause: init.cause });
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    this.attempts = init.attempts;
    this.timeoutMs = init.timeoutMs;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, kind: this.kind, attempts: this.attempts };
  }
}

/** True for a `KeysApiError`, and with `code`, only for that code — the way to branch on an API answer. */
export function isKeysApiError(
  error: unknown,
  code?: KeysApiErrorCode | ClientErrorCode,
): error is KeysApiError {
  return error instanceof KeysApiError && (code === undefined || error.code === code);
}

/**
 * True for a 401 (`missing_api_key`, `invalid_api_key`): the caller's own key does not authenticate. It says
 * nothing about the request, so it is never a final answer about what was asked.
 */
export function isUnauthenticated(error: unknown): boolean {
  return error instanceof KeysApiError && error.status === 401;
}

export function isKeysApiNetworkError(error: unknown): error is KeysApiNetworkError {
  return error instanceof KeysApiNetworkError;
}
