// Errors the service answers with: a code from contract 1 (schemas/keys-api.openapi.yaml, x-error-codes —
// a test keeps this table and that list equal), its HTTP status and type, a message and the parameter at fault.
import { maskKeyLiterals } from "../../core/domain/index.ts";
import type { ServiceError } from "../service/service-error.ts";

export const ERROR_CODES = {
  invalid_request: [400, "invalid_request_error"],
  invalid_json: [400, "invalid_request_error"],
  body_too_large: [413, "invalid_request_error"],
  unsupported_media_type: [415, "invalid_request_error"],
  invalid_scope: [400, "invalid_request_error"],
  invalid_environment: [400, "invalid_request_error"],
  invalid_name: [400, "invalid_request_error"],
  invalid_metadata: [400, "invalid_request_error"],
  expires_at_in_past: [400, "invalid_request_error"],
  invalid_expires_at: [400, "invalid_request_error"],
  invalid_grace_period: [400, "invalid_request_error"],
  invalid_reason: [400, "invalid_request_error"],
  invalid_effective_at: [400, "invalid_request_error"],
  immutable_field: [400, "invalid_request_error"],
  invalid_cursor: [400, "invalid_request_error"],
  invalid_limit: [400, "invalid_request_error"],
  invalid_filter: [400, "invalid_request_error"],
  resource_missing: [404, "not_found_error"],
  route_not_found: [404, "not_found_error"],
  method_not_allowed: [405, "invalid_request_error"],
  key_already_revoked: [409, "conflict_error"],
  key_not_active: [409, "conflict_error"],
  roll_in_progress: [409, "conflict_error"],
  insufficient_scope: [403, "permission_error"],
  scope_escalation: [403, "permission_error"],
  environment_mismatch: [403, "permission_error"],
  key_not_manageable: [403, "permission_error"],
  csrf_failed: [403, "permission_error"],
  idempotency_key_reused: [409, "idempotency_error"],
  idempotency_request_in_progress: [409, "idempotency_error"],
  invalid_idempotency_key: [400, "idempotency_error"],
  rate_limit_exceeded: [429, "rate_limit_error"],
  auth_rate_limit_exceeded: [429, "rate_limit_error"],
  missing_api_key: [401, "authentication_error"],
  invalid_api_key: [401, "authentication_error"],
  service_unavailable: [503, "api_error"],
  internal_error: [500, "api_error"],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { param?: string; retryAfterSeconds?: number } = {},
  ) {
    // A message may quote user input: a key-shaped literal in it is masked, always.
    super(maskKeyLiterals(message));
    this.name = "ApiError";
    this.code = code;
    [this.status, this.type] = ERROR_CODES[code];
    this.param = options.param;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  body(requestId: string): { error: Record<string, string> } {
    const error: Record<string, string> = {
      type: this.type,
      code: this.code,
      message: this.message,
      request_id: requestId,
    };
    if (this.param !== undefined) error.param = this.param;
    return { error };
  }
}

/** The contract-1 error for a service refusal: the same code, with its status and type. */
export function fromServiceError(err: ServiceError): ApiError {
  return new ApiError(err.code, err.message, { param: err.param, retryAfterSeconds: err.retryAfterSeconds });
}
