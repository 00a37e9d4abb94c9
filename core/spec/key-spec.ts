import type { Environment } from "../domain/environments.ts";
import type { Scope } from "../domain/scopes.ts";

/*
 * The TypeScript shape of schemas/apikey.schema.json (hand-written; key-spec.test.ts checks
 * the field lists against the schema). Durations stay as the user wrote them ("90d", "P90D").
 */

export const RESTART_TARGET_KINDS = ["Deployment", "StatefulSet", "DaemonSet"] as const;
export type RestartTargetKind = (typeof RESTART_TARGET_KINDS)[number];

export const DELETION_POLICIES = ["Revoke", "Retain"] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];

export type RotationSpec = {
  every?: string;
  renewBefore?: string;
  /** "0s" allowed: revoke the old key at once. */
  gracePeriod?: string;
  /** Kubernetes only. */
  quietPeriod?: string;
};

/** Kubernetes only. */
export type SecretSpec = {
  /** Default: the ApiKey's metadata.name. */
  name?: string;
  /** Default: SPEC_DEFAULTS.secretKey. */
  key?: string;
  /** Default: SPEC_DEFAULTS.secretPreviousKey. */
  previousKey?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};

export type RestartTarget = { kind: RestartTargetKind; name: string };

export type KeySpec = {
  displayName: string;
  environment: Environment;
  scopes: Scope[];
  expiresAfter?: string;
  /** RFC 3339. */
  expiresAt?: string;
  rotation?: RotationSpec;
  owner?: string;
  purpose?: string;
  description?: string;
  /** Kubernetes only. */
  secret?: SecretSpec;
  /** Kubernetes only. */
  restartTargets?: RestartTarget[];
  /** Kubernetes only. Default: SPEC_DEFAULTS.deletionPolicy. */
  deletionPolicy?: DeletionPolicy;
};

/**
 * Defaults the schema documents. The validator does not fill them in (the API server does for
 * the CRD); readers of a KeySpec apply them. gracePeriod has no schema default: the planner
 * owns it, and the seed's timeline suggests 7d.
 */
export const SPEC_DEFAULTS = {
  secretKey: "apiKey",
  secretPreviousKey: "apiKeyPrevious",
  deletionPolicy: "Revoke",
  gracePeriod: "7d",
} as const satisfies {
  secretKey: string;
  secretPreviousKey: string;
  deletionPolicy: DeletionPolicy;
  gracePeriod: string;
};
