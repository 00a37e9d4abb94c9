// Prometheus metrics, one registry per service instance: ayra_keys_service_* (the controller's are
// ayra_keys_controller_*), process_* and nodejs_* unprefixed. Labels are bounded: route templates and enums, never
// ids or addresses. docs/metrics.md lists them.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { createRegistry } from "../../core/metrics/process-registry.ts";

/** Why an authentication failed: no bearer, a bearer that is no usable key, or refused by the per-address limit. */
export type AuthenticationFailure = "missing" | "invalid" | "throttled";

export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<"route" | "method" | "status">;
  duration: Histogram<"route">;
  replays: Counter;
  rateLimited: Counter<"kind">;
  introspections: Counter<"active">;
  keys: Gauge<"environment" | "status">;
  authenticationFailures: Counter<"reason">;
  /** Revoked or expired keys presented (status: revoked, expired); each is also an authentication failure. */
  revokedKeyAttempts: Counter<"status">;
  /** Counts and times one request; label children are cached, so the hot path does no label hashing. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
}

export interface MetricsOptions {
  /** process_* and nodejs_* metrics, for a service whose /metrics is served (--metrics-listen). */
  processMetrics: boolean;
}

export function createMetrics(options: MetricsOptions): ServiceMetrics {
  const registry = createRegistry(options);
  // Kept up to date on write (key-changes.ts): a scrape reads memory, never the table.
  const keys = new Gauge({
    name: "ayra_keys_service_keys",
    help: "Stored keys by environment and status.",
    labelNames: ["environment", "status"] as const,
    registers: [registry],
  });
  const requests = new Counter({
    name: "ayra_keys_service_http_requests_total",
    help: "HTTP requests by route template, method and status.",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "ayra_keys_service_http_request_duration_seconds",
    help: "HTTP request latency by route template.",
    labelNames: ["route"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const revokedKeyAttempts = new Counter({
    name: "ayra_keys_service_revoked_key_attempts_total",
    help: "Presentations of a revoked or expired key (authentication or introspection), by the key's status.",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  // Both series exist from the start at 0, so an alert sees the first attempt as an increase.
  for (const status of ["revoked", "expired"]) revokedKeyAttempts.inc({ status }, 0);
  // Bounded: route templates × methods × statuses.
  const children = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  const observeRequest = (route: string, method: string, status: number, seconds: number) => {
    const id = `${route} ${method} ${status}`;
    let child = children.get(id);
    if (!child) {
      child = {
        count: requests.labels({ route, method, status: String(status) }),
        time: duration.labels({ route }),
      };
      children.set(id, child);
    }
    child.count.inc();
    child.time.observe(seconds);
  };
  return {
    registry,
    keys,
    requests,
    duration,
    observeRequest,
    replays: new Counter({
      name: "ayra_keys_service_idempotent_replays_total",
      help: "Responses replayed for a repeated Idempotency-Key.",
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: "ayra_keys_service_rate_limited_requests_total",
      help: "Requests refused by a rate limit (kind: key, or failed_auth per address).",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    authenticationFailures: new Counter({
      name: "ayra_keys_service_authentication_failures_total",
      help: "Requests whose bearer key was refused, by reason (missing, invalid, throttled).",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    revokedKeyAttempts,
    introspections: new Counter({
      name: "ayra_keys_service_introspections_total",
      help: "Introspections by result.",
      labelNames: ["active"] as const,
      registers: [registry],
    }),
  };
}
