// The shapes the engine hands the provider: checked inputs, and the state (outputs) it keeps for a slot.
// The state repeats the inputs (the engine gives `diff` the old outputs, not the old inputs) plus what the
// keys API said about the current key.
import type { RevocationReason } from "../../core/client/index.ts";
import type { ObservedKeyStatus } from "../../core/provider-diff/index.ts";
import type { KeySpec } from "../../core/spec/index.ts";

/** The type token of the dynamic resource (module `ayra`, type `ApiKey`). */
export const API_KEY_TYPE = "pulumi-nodejs:dynamic/ayra:ApiKey";

/** The property the Node SDK's dynamic-provider host reserves for the serialized provider. */
export const PROVIDER_PROPERTY = "__provider";

export const DEFAULT_DELETION_REASON: RevocationReason = "project_ended";

export const REVOCATION_REASONS: readonly RevocationReason[] = [
  "compromised",
  "replaced",
  "unused",
  "employee_departure",
  "project_ended",
];

/** Inputs after check: the spec normalized, plus the provider's own two. */
export interface ApiKeyInputs extends Omit<KeySpec, "secret" | "restartTargets" | "deletionPolicy"> {
  /** The resource's URN, recorded in the key's metadata so a stray from a crashed run can be found. */
  slot: string;
  /** The reason `destroy` revokes with. */
  deletionReason?: RevocationReason;
}

/** What the state holds for a slot. `expiresAt` here is the current key's actual expiry. */
export interface ApiKeyState extends Omit<ApiKeyInputs, "expiresAt"> {
  keyId: string;
  /** The key value: a Pulumi secret (additionalSecretOutputs). */
  secret: string;
  redacted: string;
  status: ObservedKeyStatus;
  createdAt: string;
  expiresAt: string | null;
  rotateAfter: string | null;
  previousKeyId?: string;
  previousRevokeAt?: string;
}

/** The spec part of checked inputs. */
export function specOf(inputs: ApiKeyInputs): KeySpec {
  const spec: KeySpec = {
    displayName: inputs.displayName,
    environment: inputs.environment,
    scopes: inputs.scopes,
  };
  if (inputs.expiresAfter !== undefined) spec.expiresAfter = inputs.expiresAfter;
  if (inputs.expiresAt !== undefined) spec.expiresAt = inputs.expiresAt;
  if (inputs.rotation !== undefined) spec.rotation = inputs.rotation;
  if (inputs.owner !== undefined) spec.owner = inputs.owner;
  if (inputs.purpose !== undefined) spec.purpose = inputs.purpose;
  if (inputs.description !== undefined) spec.description = inputs.description;
  return spec;
}

/**
 * The spec the current key was made for, from the state. A fixed expiry shows as the key's own `expiresAt`
 * (the same instant); with `expiresAfter`, `expiresAt` is derived and not part of the spec.
 */
export function appliedSpecOf(state: ApiKeyState): KeySpec {
  const { expiresAt, ...rest } = state;
  const inputs: ApiKeyInputs = { ...rest };
  if (state.expiresAfter === undefined && expiresAt !== null && expiresAt !== undefined)
    inputs.expiresAt = expiresAt;
  return specOf(inputs);
}

export function deletionReasonOf(props: { deletionReason?: RevocationReason }): RevocationReason {
  return props.deletionReason ?? DEFAULT_DELETION_REASON;
}
