// What the service layer refuses, and why, in its own terms. The HTTP layer maps each code to contract 1's
// error (same code, its status and type: http/api-error.ts), so the service never speaks HTTP.
import { maskKeyLiterals } from "../../core/domain/index.ts";

export type ServiceErrorCode =
  | "resource_missing"
  | "insufficient_scope"
  | "scope_escalation"
  | "environment_mismatch"
  | "key_not_manageable"
  | "immutable_field"
  | "key_already_revoked"
  | "key_not_active"
  | "roll_in_progress"
  | "idempotency_key_reused"
  | "idempotency_request_in_progress";

export class ServiceError extends Error {
  readonly code: ServiceErrorCode;
  /** The request parameter at fault, when one is. */
  readonly param: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ServiceErrorCode,
    message: string,
    options: { param?: string; retryAfterSeconds?: number } = {},
  ) {
    // A message may quote user input: a key-shaped literal in it is masked, always.
    super(maskKeyLiterals(message));
    this.name = "ServiceError";
    this.code = code;
    this.param = options.param;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
