import { KeysApiError, KeysApiNetworkError, type NetworkFailure } from "./errors.ts";
import type { KeysFetch, KeysFetchResponse } from "./options.ts";
import { isRetryableStatus, parseRetryAfter } from "./retry.ts";
import type { ErrorType } from "./types.ts";

export type HttpMethod = "GET" | "POST" | "PATCH";

/** One logical call; the retry layer sends the same object again with a new `attempt`. */
export interface KeysRequest {
  /** The operationId in schemas/keys-api.openapi.yaml, for hooks and metrics. */
  operation: string;
  method: HttpMethod;
  /** Starts with `/v1/`; no query string. */
  path: string;
  /** Encoded, `""` or starting with `?`. */
  query?: string;
  body?: unknown;
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
  attempt?: number;
}

export type Send = (request: KeysRequest) => Promise<unknown>;

/** What `onRequest` gets after each attempt: enough to log and count, never a header or a body. */
export interface KeysRequestInfo {
  operation: string;
  method: HttpMethod;
  path: string;
  /** null when no response arrived. */
  status: number | null;
  attempt: number;
  durationMs: number;
  requestId: string | null;
  /** Why no response arrived. */
  failure?: NetworkFailure | "aborted";
}

export interface TransportConfig {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  fetch: KeysFetch;
  userAgent: string;
  onRequest: ((info: KeysRequestInfo) => void) | undefined;
  now: () => number;
}

/** One attempt: the timeout, the HTTP exchange, and turning any answer but a 2xx into a typed error. */
export function createTransport(config: TransportConfig): Send {
  return async (request) => {
    const attempt = request.attempt ?? 1;
    const timeout = AbortSignal.timeout(config.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const started = performance.now();
    const report = (
      status: number | null,
      requestId: string | null,
      failure?: KeysRequestInfo["failure"],
    ) => {
      const durationMs = performance.now() - started;
      const { operation, method, path } = request;
      notify(config.onRequest, { operation, method, path, status, attempt, durationMs, requestId, failure });
    };
    let response: KeysFetchResponse | undefined;
    let text: string;
    try {
      response = await config.fetch(`${config.baseUrl}${request.path}${request.query ?? ""}`, {
        method: request.method,
        headers: headersFor(request, config),
        body: request.body === undefined ? null : JSON.stringify(request.body),
        signal,
        // A redirect would be followed with our Authorization header; the API never redirects, so refuse.
        redirect: "manual",
      });
      text = await response.text();
    } catch (error) {
      const requestId = response?.headers.get("x-request-id") ?? null;
      if (request.signal?.aborted) {
        report(response?.status ?? null, requestId, "aborted");
        throw request.signal.reason;
      }
      const kind: NetworkFailure = timeout.aborted ? "timeout" : "network";
      report(response?.status ?? null, requestId, kind);
      const { method, path } = request;
      throw new KeysApiNetworkError({
        kind,
        method,
        path,
        attempts: attempt,
        timeoutMs: config.timeoutMs,
        cause: error,
      });
    }
    const requestId = response.headers.get("x-request-id");
    report(response.status, requestId);
    return interpret(response, text, requestId, config.now());
  };
}

function headersFor(request: KeysRequest, config: TransportConfig): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${config.apiKey}`,
    accept: "application/json",
    "user-agent": config.userAgent,
  };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  if (request.idempotencyKey !== undefined) headers["idempotency-key"] = request.idempotencyKey;
  return headers;
}

function notify(hook: TransportConfig["onRequest"], info: KeysRequestInfo): void {
  if (hook === undefined) return;
  try {
    hook(info);
  } catch {
    // A failing log or metric hook must not fail the call: the key may already have been created.
  }
}

function interpret(response: KeysFetchResponse, text: string, header: string | null, now: number): unknown {
  const { status } = response;
  const requestId = header ?? undefined;
  if (status >= 200 && status < 300) {
    if (text === "") return undefined;
    const parsed = parseJson(text);
    if (parsed.ok) return parsed.value;
    const message = `the keys API answered ${status} with a body that is not JSON`;
    throw new KeysApiError({
      status,
      type: "api_error",
      code: "invalid_response",
      message,
      requestId,
      retryable: false,
    });
  }
  if (status >= 300 && status < 400) {
    const message = `the keys API answered with a redirect (${status}); check the base URL`;
    throw new KeysApiError({
      status,
      type: "api_error",
      code: "invalid_response",
      message,
      requestId,
      retryable: false,
    });
  }
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now);
  const body = readErrorBody(text);
  if (body === undefined) {
    // Not our error shape (a proxy's page, say): classify by status alone and never echo the body.
    const message = `the keys API answered ${status} without an error body`;
    const retryable = isRetryableStatus(status, undefined);
    throw new KeysApiError({
      status,
      type: typeForStatus(status),
      code: "http_error",
      message,
      requestId,
      retryable,
      retryAfterMs,
    });
  }
  throw new KeysApiError({
    status,
    type: body.type,
    code: body.code,
    message: body.message,
    param: body.param,
    requestId: body.request_id ?? requestId,
    retryable: isRetryableStatus(status, body.code),
    retryAfterMs,
  });
}

interface ParsedErrorBody {
  type: string;
  code: string;
  message: string;
  param: string | undefined;
  request_id: string | undefined;
}

function readErrorBody(text: string): ParsedErrorBody | undefined {
  const parsed = parseJson(text);
  if (!parsed.ok || !isRecord(parsed.value) || !isRecord(parsed.value.error)) return undefined;
  const { type, code, message, param, request_id } = parsed.value.error;
  if (typeof type !== "string" || typeof code !== "string" || typeof message !== "string") return undefined;
  return {
    type,
    code,
    message,
    param: typeof param === "string" ? param : undefined,
    request_id: typeof request_id === "string" ? request_id : undefined,
  };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeForStatus(status: number): ErrorType {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 409) return "conflict_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}
