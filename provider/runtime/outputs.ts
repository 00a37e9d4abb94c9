// The state a slot records after an operation: the inputs, and what the keys API said about the current key.
import type { ApiKey } from "../../core/client/index.ts";
import { nextRotation } from "../../core/rotation/index.ts";
import { parseTime } from "./diff.ts";
import type { ApiKeyInputs, ApiKeyState } from "./state.ts";

export interface PreviousKey {
  id: string;
  /** RFC 3339: when the keys service revokes it. */
  revokeAt: string;
}

export interface CurrentKey {
  id: string;
  redacted: string;
  status: ApiKeyState["status"];
  createdAt: string;
  expiresAt: string | null;
}

export function currentKeyOf(key: ApiKey): CurrentKey {
  return {
    id: key.id,
    redacted: key.redacted,
    status: key.status,
    createdAt: key.created_at,
    expiresAt: key.expires_at,
  };
}

export function rotateAfterOf(inputs: Pick<ApiKeyInputs, "rotation">, key: CurrentKey): string | null {
  const createdAt = parseTime(key.createdAt);
  if (createdAt === null) return null;
  const { at } = nextRotation(inputs.rotation, { createdAt, expiresAt: parseTime(key.expiresAt) });
  return at === null ? null : new Date(at).toISOString();
}

/** Every output, the secret included: the engine replaces the whole state with what update returns. */
export function stateFrom(
  inputs: ApiKeyInputs,
  key: CurrentKey,
  secret: string,
  previous: PreviousKey | undefined,
): ApiKeyState {
  const { expiresAt: _fixed, ...rest } = inputs;
  const state: ApiKeyState = {
    ...rest,
    keyId: key.id,
    secret,
    redacted: key.redacted,
    status: key.status,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    rotateAfter: rotateAfterOf(inputs, key),
  };
  if (previous !== undefined) {
    state.previousKeyId = previous.id;
    state.previousRevokeAt = previous.revokeAt;
  }
  return state;
}

/** The current key as the state recorded it. */
export function currentKeyFromState(state: ApiKeyState): CurrentKey {
  return {
    id: state.keyId,
    redacted: state.redacted,
    status: state.status,
    createdAt: state.createdAt,
    expiresAt: state.expiresAt,
  };
}

export function previousFromState(state: ApiKeyState): PreviousKey | undefined {
  return state.previousKeyId !== undefined && state.previousRevokeAt !== undefined
    ? { id: state.previousKeyId, revokeAt: state.previousRevokeAt }
    : undefined;
}
