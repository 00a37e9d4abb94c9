// Prometheus metrics of one controller instance (prom-client, a registry per instance: no global state).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export function createControllerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "ayra_keys_controller_" });
  const m = {
    registry,
    reconciles: new Counter({
      name: "ayra_keys_reconciles_total",
      help: "Reconciles by result (done, requeue, error).",
      labelNames: ["result"],
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: "ayra_keys_reconcile_errors_total",
      help: "Reconciles that failed, by error kind.",
      labelNames: ["kind"],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: "ayra_keys_reconcile_duration_seconds",
      help: "Time to reconcile one ApiKey.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    actions: new Counter({
      name: "ayra_keys_actions_total",
      help: "Planner decisions carried out, by action and reason.",
      labelNames: ["action", "reason"],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "ayra_keys_queue_depth",
      help: "ApiKeys waiting to be reconciled now.",
      registers: [registry],
    }),
    queueDelayed: new Gauge({
      name: "ayra_keys_queue_delayed",
      help: "ApiKeys with a scheduled wake-up.",
      registers: [registry],
    }),
    keysByState: new Gauge({
      name: "ayra_keys_keys",
      help: "ApiKeys by state (ready, reconciling, stalled).",
      labelNames: ["state"],
      registers: [registry],
    }),
    secondsUntilExpiry: new Gauge({
      name: "ayra_keys_key_expiry_seconds",
      help: "Seconds until the current key of each ApiKey expires.",
      labelNames: ["namespace", "name"],
      registers: [registry],
    }),
    rotations: new Counter({
      name: "ayra_keys_rotations_total",
      help: "Keys minted to replace another, by reason.",
      labelNames: ["reason"],
      registers: [registry],
    }),
    creations: new Counter({
      name: "ayra_keys_creations_total",
      help: "First keys minted for ApiKeys.",
      registers: [registry],
    }),
    revocations: new Counter({
      name: "ayra_keys_revocations_total",
      help: "Keys revoked by the controller, by reason.",
      labelNames: ["reason"],
      registers: [registry],
    }),
    strays: new Counter({
      name: "ayra_keys_strays_total",
      help: "Stray keys found (minted for an ApiKey, not in its status).",
      registers: [registry],
    }),
    keysApiRequests: new Counter({
      name: "ayra_keys_api_requests_total",
      help: "Keys-API requests by operation and status.",
      labelNames: ["operation", "status"],
      registers: [registry],
    }),
    kubeRequests: new Counter({
      name: "ayra_keys_kube_requests_total",
      help: "Kubernetes API requests by verb, resource and status.",
      labelNames: ["verb", "resource", "status"],
      registers: [registry],
    }),
    leader: new Gauge({
      name: "ayra_keys_leader",
      help: "1 while this replica holds the leader lease.",
      registers: [registry],
    }),
  };
  return m;
}

export type ControllerMetrics = ReturnType<typeof createControllerMetrics>;
