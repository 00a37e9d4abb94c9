import { describe, expect, it } from "vitest";
import { KeysApiError, KeysApiNetworkError } from "./errors.ts";
import { backoffDelay, isRetryableStatus, parseRetryAfter, type RetryConfig, retryDelay } from "./retry.ts";

const NOW = Date.parse("2025-01-15T09:30:00.000Z");

const config: RetryConfig = {
  retries: 4,
  minDelayMs: 200,
  maxDelayMs: 10_000,
  sleep: async () => {},
  random: () => 0.999,
};

const apiError = (status: number, code: string, retryAfterMs?: number) =>
  new KeysApiError({
    status,
    type: "api_error",
    code,
    message: "m",
    retryable: isRetryableStatus(status, code),
    retryAfterMs,
  });

describe("isRetryableStatus", () => {
  it.each([
    { status: 400, code: "invalid_scope", retryable: false },
    { status: 401, code: "invalid_api_key", retryable: false },
    { status: 403, code: "insufficient_scope", retryable: false },
    { status: 404, code: "resource_missing", retryable: false },
    { status: 408, code: undefined, retryable: true },
    { status: 409, code: "roll_in_progress", retryable: false },
    { status: 409, code: "idempotency_key_reused", retryable: false },
    { status: 409, code: "idempotency_request_in_progress", retryable: true },
    { status: 429, code: "rate_limit_exceeded", retryable: true },
    { status: 500, code: "internal_error", retryable: true },
    { status: 501, code: undefined, retryable: false },
    { status: 502, code: undefined, retryable: true },
    { status: 503, code: "service_unavailable", retryable: true },
  ])("$status $code → retryable $retryable", ({ status, code, retryable }) => {
    expect(isRetryableStatus(status, code)).toBe(retryable);
  });
});

describe("parseRetryAfter", () => {
  it.each([
    { name: "reads delta-seconds", value: "3", ms: 3000 },
    { name: "reads zero", value: "0", ms: 0 },
    { name: "reads an HTTP date", value: "Wed, 15 Jan 2025 09:30:05 GMT", ms: 5000 },
    { name: "treats a past date as now", value: "Wed, 15 Jan 2025 09:29:00 GMT", ms: 0 },
    { name: "ignores an absent header", value: null, ms: undefined },
    { name: "ignores a negative number", value: "-1", ms: undefined },
    { name: "ignores garbage", value: "soon", ms: undefined },
  ])("$name", ({ value, ms }) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });
});

describe("backoffDelay", () => {
  it("stays below min·2ⁿ and below the cap", () => {
    expect([0, 1, 2, 3, 6, 20].map((n) => backoffDelay(n, config))).toEqual([
      199, 399, 799, 1598, 9990, 9990,
    ]);
    expect(backoffDelay(3, { ...config, random: () => 0 })).toBe(0);
  });
});

describe("retryDelay", () => {
  it.each([
    { name: "backs off after a network failure", error: networkError(), retry: 0, delay: 199 },
    {
      name: "backs off after a 503 without Retry-After",
      error: apiError(503, "service_unavailable"),
      retry: 1,
      delay: 399,
    },
    {
      name: "waits for Retry-After when it is longer than the backoff",
      error: apiError(429, "rate_limit_exceeded", 5000),
      retry: 0,
      delay: 5000,
    },
    {
      name: "keeps the backoff when it is longer than Retry-After",
      error: apiError(429, "rate_limit_exceeded", 100),
      retry: 2,
      delay: 799,
    },
    {
      name: "gives up when Retry-After exceeds maxDelayMs",
      error: apiError(429, "rate_limit_exceeded", 10_001),
      retry: 0,
      delay: undefined,
    },
    {
      name: "gives up after the last retry",
      error: apiError(503, "service_unavailable"),
      retry: 4,
      delay: undefined,
    },
    { name: "never retries a 404", error: apiError(404, "resource_missing"), retry: 0, delay: undefined },
    { name: "never retries a foreign error", error: new Error("boom"), retry: 0, delay: undefined },
  ])("$name", ({ error, retry, delay }) => {
    expect(retryDelay(error, retry, config)).toBe(delay);
  });
});

function networkError() {
  return new KeysApiNetworkError({ kind: "network", method: "GET", path: "/v1/api_keys", attempts: 1 });
}
