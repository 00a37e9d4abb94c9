// Keys as the keys API returns them, for the plans' unit tests.
import type { ApiKey } from "../client/types.ts";

/** An active unmanaged key; override what a case needs. */
export function fakeKey(over: Partial<ApiKey> = {}): ApiKey {
  return {
    object: "api_key",
    id: "key_aaaaaaaaaaaaaaaaaaaaaaaa",
    name: "Web",
    environment: "live",
    scopes: ["agents:read"],
    status: "active",
    redacted: "sk_live_abc123...WXYZ",
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    expires_at: null,
    expiring_at: null,
    last_used_at: null,
    rolled_from: null,
    replaced_by: null,
    revoked_at: null,
    revocation_reason: null,
    metadata: {},
    ...over,
  };
}
