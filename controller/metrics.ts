// Prometheus metrics of one controller instance (prom-client, a registry per instance: no global state).
// Names: ayra_keys_controller_* for the controller's own work, ayra_keys_key_* for the state of each ApiKey's
// current key; process_* and nodejs_* unprefixed. docs/metrics.md lists them; label values are bounded (enums,
// error class names, and one series per ApiKey for the key gauges).
import { Counter, Gauge, Histogram } from "prom-client";
import { createRegistry } from "../core/metrics/process-registry.ts";

export function createControllerMetrics() {
  const registry = createRegistry({ processMetrics: true });
  const m = {
    registry,
    reconciles: new Counter({
      name: "ayra_keys_controller_reconciles_total",
      help: "Reconciles of ApiKeys by result (done, requeue, error).",
      labelNames: ["result"],
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: "ayra_keys_controller_reconcile_errors_total",
      help: "Reconciles that failed, by error kind.",
      labelNames: ["kind"],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: "ayra_keys_controller_reconcile_duration_seconds",
      help: "Time to reconcile one ApiKey.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    actions: new Counter({
      name: "ayra_keys_controller_actions_total",
      help: "Planner decisions carried out, by action and reason.",
      labelNames: ["action", "reason"],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "ayra_keys_controller_queue_depth",
      help: "ApiKeys waiting to be reconciled now.",
      registers: [registry],
    }),
    queueDelayed: new Gauge({
      name: "ayra_keys_controller_queue_delayed",
      help: "ApiKeys with a scheduled wake-up.",
      registers: [registry],
    }),
    apiKeysByState: new Gauge({
      name: "ayra_keys_controller_apikeys",
      help: "ApiKey resources by state (ready, reconciling, stalled).",
      labelNames: ["state"],
      registers: [registry],
    }),
    keyExpiration: new Gauge({
      name: "ayra_keys_key_expiration_timestamp_seconds",
      help: "When the current key of an ApiKey expires (Unix seconds); no series for a key that never expires.",
      labelNames: ["namespace", "name"],
      registers: [registry],
    }),
    keyNextRotation: new Gauge({
      name: "ayra_keys_key_next_rotation_timestamp_seconds",
      help: "When the current key of an ApiKey is due to be rotated (Unix seconds); no series without a rotation schedule.",
      labelNames: ["namespace", "name"],
      registers: [registry],
    }),
    rotations: new Counter({
      name: "ayra_keys_controller_key_rotations_total",
      help: "Keys minted to replace another, by reason.",
      labelNames: ["reason"],
      registers: [registry],
    }),
    creations: new Counter({
      name: "ayra_keys_controller_key_creations_total",
      help: "First keys minted for ApiKeys.",
      registers: [registry],
    }),
    revocations: new Counter({
      name: "ayra_keys_controller_key_revocations_total",
      help: "Keys revoked by the controller, by reason.",
      labelNames: ["reason"],
      registers: [registry],
    }),
    revocationFailures: new Counter({
      name: "ayra_keys_controller_key_revocation_failures_total",
      help: "Revocations the keys API did not complete (retried later), by reason.",
      labelNames: ["reason"],
      registers: [registry],
    }),
    strays: new Counter({
      name: "ayra_keys_controller_stray_keys_total",
      help: "Stray keys found (minted for an ApiKey, not in its status).",
      registers: [registry],
    }),
    keysApiRequests: new Counter({
      name: "ayra_keys_controller_keys_api_requests_total",
      help: "Requests to the keys API by operation and status (HTTP code, or the network failure).",
      labelNames: ["operation", "status"],
      registers: [registry],
    }),
    kubeRequests: new Counter({
      name: "ayra_keys_controller_kube_api_requests_total",
      help: "Kubernetes API requests by verb, resource and status.",
      labelNames: ["verb", "resource", "status"],
      registers: [registry],
    }),
    leader: new Gauge({
      name: "ayra_keys_controller_leader",
      help: "1 while this replica holds the leader lease, else 0.",
      registers: [registry],
    }),
    warnings: new Counter({
      name: "ayra_keys_controller_warnings_total",
      help: "Warning Events recorded on ApiKeys, by reason.",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
  // Present from the start at 0, so an alert sees the first one as an increase.
  m.warnings.inc({ reason: "NewKeyNotAdopted" }, 0);
  m.warnings.inc({ reason: "NewKeyNotActive" }, 0);
  return m;
}

export type ControllerMetrics = ReturnType<typeof createControllerMetrics>;
