import { setTimeout as delay } from "node:timers/promises";
import { newIdempotencyKey } from "./idempotency.ts";
import type { KeysRequestInfo, TransportConfig } from "./request.ts";
import type { RetryConfig } from "./retry.ts";

/** The part of `fetch` the client uses, so a process may bring a lighter one (the global `fetch` fits). */
export type KeysFetch = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body: string | null;
    signal: AbortSignal;
    redirect: "manual";
  },
) => Promise<KeysFetchResponse>;

export interface KeysFetchResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface KeysClientOptions {
  /** The server root, e.g. `https://keys.example.com` (a trailing `/v1` is accepted and dropped). */
  baseUrl: string;
  /**
   * `sk_live_…` or `sk_test_…`, with `api_keys:read` / `api_keys:write` (or `admin:full`). A function is asked
   * on every attempt, so a process whose own key rotates switches to the new one without a new client.
   */
  apiKey: string | (() => string);
  /** Per attempt; default 10 000. */
  timeoutMs?: number;
  retry?: {
    /** Retries after the first attempt; default 4. */
    retries?: number;
    /** Backoff base; default 200. */
    minDelayMs?: number;
    /** Backoff cap, and the longest Retry-After the client will wait out; default 10 000. */
    maxDelayMs?: number;
  };
  /** The HTTP call; default the global `fetch`. Any implementation of the part the client uses will do. */
  fetch?: KeysFetch;
  userAgent?: string;
  /** Called after every attempt, for logs and metrics; the client itself never logs. */
  onRequest?: (info: KeysRequestInfo) => void;
  /** Waits between retries; tests inject one that records delays. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1); drives the backoff jitter. */
  random?: () => number;
  /** Epoch milliseconds; reads `Retry-After` dates. */
  now?: () => number;
  /** Makes Idempotency-Keys for POSTs the caller gave none; default crypto.randomUUID. */
  generateIdempotencyKey?: () => string;
}

export interface ResolvedOptions extends TransportConfig, RetryConfig {
  generateIdempotencyKey: () => string;
  /** The key for the next attempt, checked (a bad one throws a TypeError that never quotes it). */
  readApiKey: () => string;
}

export const CLIENT_DEFAULTS = {
  timeoutMs: 10_000,
  retries: 4,
  minDelayMs: 200,
  maxDelayMs: 10_000,
} as const;

/** Merges the defaults once, so every request of a client sees the same settings and nothing is shared. */
export function resolveOptions(options: KeysClientOptions): ResolvedOptions {
  const retry = options.retry ?? {};
  const source = options.apiKey;
  const fixed = typeof source === "function" ? undefined : checkApiKey(source);
  const readApiKey = () => fixed ?? checkApiKey(typeof source === "function" ? source() : source);
  const resolved: ResolvedOptions = {
    baseUrl: normaliseBaseUrl(options.baseUrl),
    // A getter, so the transport reads the key per attempt; a fixed key is checked once, here.
    get apiKey() {
      return readApiKey();
    },
    readApiKey,
    timeoutMs: positive("timeoutMs", options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs),
    fetch: options.fetch ?? globalThis.fetch,
    userAgent: options.userAgent ?? `ayra-keys-client node/${process.versions.node}`,
    onRequest: options.onRequest,
    now: options.now ?? Date.now,
    retries: wholeNumber("retry.retries", retry.retries ?? CLIENT_DEFAULTS.retries),
    minDelayMs: wholeNumber("retry.minDelayMs", retry.minDelayMs ?? CLIENT_DEFAULTS.minDelayMs),
    maxDelayMs: wholeNumber("retry.maxDelayMs", retry.maxDelayMs ?? CLIENT_DEFAULTS.maxDelayMs),
    sleep: options.sleep ?? sleepUnlessAborted,
    random: options.random ?? Math.random,
    generateIdempotencyKey: options.generateIdempotencyKey ?? newIdempotencyKey,
  };
  return resolved;
}

function normaliseBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`baseUrl is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`baseUrl must be http or https, not ${url.protocol}`);
  }
  if (url.search !== "" || url.hash !== "") throw new TypeError("baseUrl must not have a query or fragment");
  return url.href.replace(/\/+$/, "").replace(/\/v1$/, "");
}

// The message never quotes the value: it is a credential.
function checkApiKey(value: string): string {
  if (typeof value !== "string" || !/^[\x21-\x7E]+$/.test(value)) {
    throw new TypeError(
      "apiKey must be a non-empty key without spaces or line breaks (is it read from a file?)",
    );
  }
  return value;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number`);
  return value;
}

function wholeNumber(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be a whole number ≥ 0`);
  return value;
}

async function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal === undefined ? {} : { signal });
  } catch (error) {
    // Surface the caller's own reason, as fetch does, rather than the timer's AbortError.
    signal?.throwIfAborted();
    throw error;
  }
}
