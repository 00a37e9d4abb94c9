import { KeysApiError, KeysApiNetworkError } from "./errors.ts";
import type { Send } from "./request.ts";

export interface RetryConfig {
  /** Retries after the first attempt. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

/** Whether an error status may succeed when sent again; decided by status and code, never by message. */
export function isRetryableStatus(status: number, code: string | undefined): boolean {
  // The first attempt is still running on the server (our own timeout raced it): the replay comes later.
  if (status === 409) return code === "idempotency_request_in_progress";
  if (status === 408 || status === 429) return true;
  // 501 says the server will never do this; every other 5xx may be transient.
  return status >= 500 && status !== 501;
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent or
 * unreadable, so a garbled header falls back to plain backoff instead of failing the call.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its weekday and month; without letters Date.parse would read "-1" as a year.
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2ⁿ)). */
export function backoffDelay(
  retryIndex: number,
  config: Pick<RetryConfig, "minDelayMs" | "maxDelayMs" | "random">,
) {
  const ceiling = Math.min(config.maxDelayMs, config.minDelayMs * 2 ** retryIndex);
  return Math.floor(config.random() * ceiling);
}

/**
 * How long to wait before retry number `retryIndex`, or undefined to give up. A `Retry-After` is a floor that
 * is never undercut; one beyond `maxDelayMs` ends the retries instead of blocking the caller that long — the
 * error carries `retryAfterMs` so a controller can requeue for exactly then.
 */
export function retryDelay(error: unknown, retryIndex: number, config: RetryConfig): number | undefined {
  if (retryIndex >= config.retries) return undefined;
  if (error instanceof KeysApiNetworkError) return backoffDelay(retryIndex, config);
  if (!(error instanceof KeysApiError) || !error.retryable) return undefined;
  const backoff = backoffDelay(retryIndex, config);
  if (error.retryAfterMs === undefined) return backoff;
  if (error.retryAfterMs > config.maxDelayMs) return undefined;
  return Math.max(backoff, error.retryAfterMs);
}

/** Wraps one-attempt `send` with retries; the request (and so its Idempotency-Key) is the same each time. */
export function withRetry(send: Send, config: RetryConfig): Send {
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send({ ...request, attempt });
      } catch (error) {
        const delay = retryDelay(error, attempt - 1, config);
        if (delay === undefined) throw finalError(error, attempt);
        await config.sleep(delay, request.signal);
        request.signal?.throwIfAborted();
      }
    }
  };
}

function finalError(error: unknown, attempts: number): unknown {
  if (!(error instanceof KeysApiNetworkError) || error.attempts === attempts) return error;
  return new KeysApiNetworkError({
    kind: error.kind,
    method: error.method,
    path: error.path,
    attempts,
    cause: error.cause,
    ...(error.timeoutMs === undefined ? {} : { timeoutMs: error.timeoutMs }),
  });
}
