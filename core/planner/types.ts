// The controller's view of one ApiKey, and what the planner may decide about it. Plain data: no I/O, no
// key values (the gatherer hands over fingerprints and redacted forms only).
import type { Environment } from "../domain/environments.ts";
import type { Scope } from "../domain/scopes.ts";
import type { PolicyInput } from "../policy/evaluate.ts";
import type { Reason } from "./reasons.ts";

export const API_GROUP = "keys.ayra.ai";
export const API_VERSION = "v1alpha1";
export const FINALIZER = "keys.ayra.ai/revoke";
export const ANNOTATIONS = {
  rotate: "keys.ayra.ai/rotate",
  compromised: "keys.ayra.ai/compromised",
  /** On the Secret: the id of the key under `key`, and of the one under `previousKey`. */
  keyId: "keys.ayra.ai/key-id",
  previousKeyId: "keys.ayra.ai/previous-key-id",
  /** On the Secret: non-secret facts for people and tools. */
  redacted: "keys.ayra.ai/redacted",
  expiresAt: "keys.ayra.ai/expires-at",
  /** On the Secret: sha256 of each value (hex, 32 chars); a hash of a 256-bit random key reveals nothing. */
  fingerprint: "keys.ayra.ai/fingerprint",
  previousFingerprint: "keys.ayra.ai/previous-fingerprint",
  /** On a restart target's pod template: the key the workload was restarted for. */
  restartedFor: "keys.ayra.ai/restarted-for",
} as const;
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "ayra-keys";

/** Metadata every key minted by the controller carries, to find it again (strays, deletion). */
export const KEY_METADATA = {
  managedBy: "managed_by",
  cluster: "k8s_cluster",
  namespace: "k8s_namespace",
  name: "k8s_name",
  uid: "k8s_uid",
  owner: "owner",
  purpose: "purpose",
} as const;
export const KEY_METADATA_MANAGED_BY = "ayra-keys-controller";

export type ConditionType = "Ready" | "Reconciling" | "Stalled";
export type ConditionStatus = "True" | "False" | "Unknown";
export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface PreviousKey {
  keyId: string;
  redacted: string;
  /** When the controller drops it from the Secret; the keys service revokes it at (or after) this. */
  revokeAfter: string;
}

/** The intent recorded before any call that mints a key: replayed with the same Idempotency-Key after a crash. */
export interface PendingOperation {
  idempotencyKey: string;
  reason: Reason;
  startedAt: string;
  operation: "Create" | "Roll";
  /** Roll: the key rolled. */
  fromKeyId?: string;
  /** What the new key is minted with; with expiresAt, the request, fixed at intent time so a replay sends the same body. */
  applied: AppliedSpec;
  expiresAt: string | null;
  gracePeriodSeconds?: number;
  /** Revoked (reason compromised) before the new key is created. */
  revokeKeyIds?: string[];
  /** Create: keep the previous key in the Secret (a replacement after the current key was lost). */
  keepPrevious?: boolean;
  /** Recorded in status once the operation completes. */
  handledRotate?: string;
  handledCompromised?: string;
}

/** What the current key was minted (or patched) with: compared with the spec by core's edit rules. */
export interface AppliedSpec {
  displayName: string;
  environment: Environment;
  scopes: Scope[];
  expiresAfter?: string;
  expiresAt?: string;
  owner?: string;
  purpose?: string;
}

/** ApiKey status. One writer: the controller's reconciler. */
export interface ApiKeyStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  keyId?: string;
  redacted?: string;
  createdAt?: string;
  expiresAt?: string | null;
  nextRotationAt?: string | null;
  lastRotatedAt?: string;
  previousKeys?: PreviousKey[];
  pending?: PendingOperation | null;
  handledRotate?: string;
  handledCompromised?: string;
  applied?: AppliedSpec;
  secretName?: string;
  /** The key id the restart targets were last restarted for. */
  restartedFor?: string;
}

/** The Secret as the gatherer found it: fingerprints, never values. */
export type SecretFacts =
  | { state: "missing" }
  | { state: "foreign"; owner: string }
  | {
      state: "owned";
      keyId: string | undefined;
      previousKeyId: string | undefined;
      /** The value under `key` is the current key (fingerprint and redacted form match). */
      currentIntact: boolean;
      /** The value under `previousKey` is the previous key. */
      previousIntact: boolean;
      hasPrevious: boolean;
      /** Labels, annotations, owner reference and data keys are as desired. */
      shapeOk: boolean;
    };

/** The current key as the keys API last reported it (through the drift list or our own calls). */
export type KeyFact = { status: "active" | "expiring" | "expired" | "revoked" | "missing"; name?: string };

export interface TargetFacts {
  kind: string;
  name: string;
  exists: boolean;
  /** The key id on its pod template (ANNOTATIONS.restartedFor). */
  restartedFor: string | undefined;
  rolledOut: boolean;
}

export interface Snapshot {
  now: number;
  object: {
    uid: string;
    namespace: string;
    name: string;
    generation: number;
    deleting: boolean;
    hasFinalizer: boolean;
    annotations: Record<string, string>;
  };
  /** The spec as stored: validated by the planner with core's validator. */
  spec: unknown;
  status: ApiKeyStatus;
  secret: SecretFacts;
  /** Another ApiKey that claims the same Secret first (older), if any. */
  secretClaimedBy: string | undefined;
  policy: PolicyInput;
  /** A fresh Idempotency-Key, used only if this plan records a new intent (keeps the planner pure). */
  freshId: string;
  /** Undefined while unknown (the key list has not answered yet). */
  currentKey: KeyFact | undefined;
  /** Active keys minted for this ApiKey that the status does not know. */
  strays: string[];
  /** Gathered only when needed (restarts, quiet period); undefined otherwise. */
  targets: TargetFacts[] | undefined;
  /** The previous key's usage, gathered only in a grace period with a quietPeriod. */
  previousUsage: { lastUsedAt: number | null; flushIntervalMs: number } | undefined;
}

export type Decision =
  | { action: "finalize"; why: Reason; revoke: boolean }
  | { action: "addFinalizer"; why: Reason }
  | { action: "stall"; why: Reason; message: string }
  | { action: "completePending"; why: Reason }
  | { action: "recordIntent"; why: Reason; pending: PendingOperation }
  | { action: "revokeKeys"; why: Reason; keyIds: string[]; reason: "replaced" | "unused" }
  | { action: "patchKey"; why: Reason; name: string; owner: string | undefined; purpose: string | undefined }
  | { action: "repairSecret"; why: Reason }
  | { action: "dropPrevious"; why: Reason; keyIds: string[] }
  | { action: "restartTargets"; why: Reason; targets: { kind: string; name: string }[] }
  | { action: "writeStatus"; why: Reason; status: ApiKeyStatus; warnings: string[] }
  | { action: "wait"; why: Reason; requeueAfterMs: number | null };

/** Which facts the gatherer must read for this ApiKey (reads that cost calls are taken only when needed). */
export interface FactsNeeded {
  targets: boolean;
  previousUsage: boolean;
}
