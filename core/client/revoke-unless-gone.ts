// Revoking a key that no longer works is done, not an error: an already revoked, expired or unknown key cannot
// authenticate either way. Shared by every shell that retires keys (controller, provider, CLI).
import type { KeysClient, PostOptions } from "./client.ts";
import { isKeysApiError } from "./errors.ts";
import type { RevokeApiKeyRequest } from "./types.ts";

/** Revokes `id`; answers `undefined` when the key was already gone, else when (if scheduled) it stops working. */
export async function revokeUnlessGone(
  client: Pick<KeysClient, "revokeKey">,
  id: string,
  body: RevokeApiKeyRequest,
  options: PostOptions = {},
): Promise<{ expiringAt: string | null } | undefined> {
  try {
    const key = await client.revokeKey(id, body, options);
    return { expiringAt: key.status === "expiring" ? key.expiring_at : null };
  } catch (error) {
    if (
      isKeysApiError(error, "key_already_revoked") ||
      isKeysApiError(error, "key_not_active") ||
      isKeysApiError(error, "resource_missing")
    )
      return undefined;
    throw error;
  }
}
