// Metrics of the controller's own credential, in the controller's registry (docs/metrics.md).
import { Counter, Gauge, type Registry } from "prom-client";

export type CredentialResult =
  | "rotated"
  | "replayed"
  | "successor"
  | "previous_revoked"
  | "orphan_revoked"
  | "adopted"
  | "failed";

export function createCredentialMetrics(registry: Registry) {
  return {
    rotations: new Counter({
      name: "ayra_keys_controller_credential_rotations_total",
      help: "Steps of the controller's own credential rotation, by result (rotated, replayed, successor, previous_revoked, orphan_revoked, adopted, failed).",
      labelNames: ["result"],
      registers: [registry],
    }),
    nextRotation: new Gauge({
      name: "ayra_keys_controller_credential_next_rotation_timestamp_seconds",
      help: "When the controller's own keys-API key is next rolled (Unix seconds).",
      registers: [registry],
    }),
    lockedOut: new Gauge({
      name: "ayra_keys_controller_credential_locked_out",
      help: "1 while the key in the controller's credential Secret no longer authenticates (a person must put a key there).",
      registers: [registry],
    }),
  };
}

export type CredentialMetrics = ReturnType<typeof createCredentialMetrics>;
