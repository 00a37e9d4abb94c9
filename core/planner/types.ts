// The controller's view of one ApiKey, and what the planner may decide about it. Plain data: no I/O, no
// key values (the gatherer hands over fingerprints and redacted forms only).
import type { KeyStatus } from "../client/types.ts";
import type { Environment } from "../domain/environments.ts";
import type { Scope } from "../domain/scopes.ts";
import type { PolicyInput } from "../policy/evaluate.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import type { Reason } from "./reasons.ts";

export { API_GROUP } from "../keys/key-metadata.ts";
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

/** ApiKey status: output only, never read as a command. One writer: the controller's reconciler. */
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
  handledRotate?: string;
  handledCompromised?: string;
  secretName?: string;
  /** The key id the restart targets were last restarted for. */
  restartedFor?: string;
  /** Written by earlier releases; never acted on, removed on the next status write. */
  pending?: unknown;
  applied?: unknown;
}

/** A key as the keys service reports it (never its secret): the only source the planner trusts about keys. */
export interface KeyRecord {
  id: string;
  status: KeyStatus;
  name: string;
  environment: Environment;
  scopes: Scope[];
  redacted: string;
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number | null;
  rolledFrom: string | null;
  metadata: Readonly<Record<string, string>>;
}

/** The Secret as the gatherer found it: fingerprints, never values. */
export type SecretFacts =
  | { state: "missing" }
  | { state: "foreign"; owner: string }
  | {
      state: "owned";
      /** The key id the Secret names (its annotation): a claim, checked against the keys service. */
      keyId: string | undefined;
      previousKeyId: string | undefined;
      /** The value under `key` is the key the Secret names (fingerprint and the keys service's redacted form match). */
      currentIntact: boolean;
      /** The value under `previousKey` is the key the Secret names as previous. */
      previousIntact: boolean;
      hasPrevious: boolean;
      /** Labels, annotations, owner reference and data keys are as desired for the key it holds. */
      shapeOk: boolean;
    };

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
  /** This controller's cluster id, as recorded on every key it mints. */
  clusterId: string;
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
  /** Output of earlier reconciles: read for bookkeeping (grace deadlines, handled requests), never as a command. */
  status: ApiKeyStatus;
  secret: SecretFacts;
  /** Another ApiKey that claims the same Secret first (older), if any. */
  secretClaimedBy: string | undefined;
  policy: PolicyInput;
  /**
   * Every key the keys service reports that names this ApiKey's uid, and the keys status or the Secret name;
   * undefined while the key list has not answered. The planner decides which of them are this ApiKey's.
   */
  keys: KeyRecord[] | undefined;
  /**
   * A mint this controller process sent and got no answer to (a timeout, a dropped connection): its request
   * is sent again unchanged if the planner still asks for the same, so the keys service replays its key.
   */
  unanswered: MintRequest | undefined;
  /** The keys API refused this generation's mint for good (scope escalation, bad expiry…): its message. */
  refusal: string | undefined;
  /** Gathered only when needed (restarts, quiet period); undefined otherwise. */
  targets: TargetFacts[] | undefined;
  /** The previous key's usage, gathered only in a grace period with a quietPeriod. */
  previousUsage: { lastUsedAt: number | null; flushIntervalMs: number } | undefined;
  /**
   * The current key's usage, gathered only while a previous key is kept and a quietPeriod is set: has any
   * consumer picked the new key up since the rotation?
   */
  currentUsage?: { lastUsedAt: number | null; flushIntervalMs: number } | undefined;
  /**
   * This controller process's last checks that the keys status and the Secret name introspect active, by
   * the value it wrote to the Secret (kept in memory, never in status: a status writer must not be able to
   * vouch for a key). The planner reads the one of the current key.
   */
  verifications?: readonly KeyVerification[] | undefined;
}

/** One check that a key introspects active (never its value). */
export interface KeyVerification {
  keyId: string;
  active: boolean;
  /** Epoch milliseconds of the check. */
  at: number;
  /** Checks in a row that found it inactive (0 once it introspected active). */
  failures: number;
}

/** A mint the planner asks for: everything act sends, fixed here so a retry sends the same request. */
export type MintRequest =
  | {
      operation: "Create";
      idempotencyKey: string;
      body: {
        name: string;
        environment: Environment;
        scopes: Scope[];
        expires_at: string | null;
        metadata: Record<string, string>;
      };
    }
  | {
      operation: "Roll";
      idempotencyKey: string;
      fromKeyId: string;
      body: { scopes: Scope[]; expires_at: string | null; grace_period_seconds: number };
    };

export interface MintPlan {
  request: MintRequest;
  /** The validated spec (restart targets, next rotation). */
  spec: KeySpec;
  /** The current key, replaced by this mint (undefined for the first key). */
  replaces: KeyRecord | undefined;
  /** This ApiKey's keys revoked (reason compromised) before the new key is minted. */
  revokeFirst: string[];
  /** The grace period the replaced key keeps working (a roll), in milliseconds. */
  graceMs: number;
  /** Previous keys kept after the mint (a replacement after the current key was lost keeps them). */
  keepPrevious: PreviousKey[];
  /** Which value goes into the Secret's previous slot: the replaced key's, the previous one's, or none. */
  previousSlot: { from: "current" | "previous"; keyId: string } | undefined;
  /** Restart targets after the Secret is written (a replacement only). */
  restartTargets: { kind: string; name: string }[];
  handledRotate?: string;
  handledCompromised?: string;
}

/** A person should see it: a Warning event (tampering, hygiene) or a Normal one (a rotation). */
export interface Notice {
  type: "Normal" | "Warning";
  reason: Reason;
  message: string;
}

export type Decision =
  | { action: "finalize"; why: Reason; revokeKeyIds: string[] }
  | { action: "stall"; why: Reason; message: string; notices: Notice[] }
  | { action: "mint"; why: Reason; plan: MintPlan; notices: Notice[] }
  | {
      action: "revokeKeys";
      why: Reason;
      keyIds: string[];
      reason: "replaced" | "unused";
      /** Status and Secret after: these keys leave previousKeys and the previous slot. */
      status: ApiKeyStatus;
      notices: Notice[];
    }
  | {
      action: "patchKey";
      why: Reason;
      keyId: string;
      name: string;
      metadata: Record<string, string>;
    }
  | { action: "repairSecret"; why: Reason; status: ApiKeyStatus; notices: Notice[] }
  | { action: "dropPrevious"; why: Reason; status: ApiKeyStatus; notices: Notice[] }
  | {
      action: "restartTargets";
      why: Reason;
      keyId: string;
      targets: { kind: string; name: string }[];
      status: ApiKeyStatus;
    }
  | { action: "writeStatus"; why: Reason; status: ApiKeyStatus; notices: Notice[] }
  /** Introspect the current key by the Secret's value before `why` retires anything older. */
  | { action: "verifyKey"; why: Reason; keyId: string }
  | { action: "wait"; why: Reason; requeueAfterMs: number | null };

/** Which facts the gatherer must read for this ApiKey (reads that cost calls are taken only when needed). */
export interface FactsNeeded {
  targets: boolean;
  previousUsage: boolean;
  currentUsage: boolean;
}
