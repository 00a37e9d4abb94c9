import { createKeysClient, type KeysClient } from "../../core/client/client.ts";
import type { KeysClientOptions } from "../../core/client/options.ts";
import type { ApiKey, ErrorBody } from "../../core/client/types.ts";
import { requestIdFor } from "./fault-server.ts";

export const TEST_API_KEY = `sk_test_${"T".repeat(50)}`;

export function sampleKey(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    object: "api_key",
    id: "key_0123456789abcdefghijABCD",
    name: "Production Web App",
    environment: "live",
    scopes: ["agents:read"],
    status: "active",
    redacted: "sk_live_abc123...GHIJ",
    created_at: "2025-01-15T09:30:00.000Z",
    updated_at: "2025-01-15T09:30:00.000Z",
    expires_at: null,
    expiring_at: null,
    last_used_at: null,
    rolled_from: null,
    replaced_by: null,
    revoked_at: null,
    revocation_reason: null,
    metadata: {},
    ...overrides,
  };
}

export function errorBody(
  status: number,
  type: ErrorBody["error"]["type"],
  code: string,
  message = "something went wrong",
  index = 0,
): { status: number; body: ErrorBody } {
  return { status, body: { error: { type, code, message, request_id: requestIdFor(index) } } };
}

export interface RecordingClient {
  client: KeysClient;
  /** Every delay the client asked to sleep, in order. */
  delays: number[];
}

/** A client whose sleeps are recorded instead of slept and whose jitter is fixed. */
export function recordingClient(baseUrl: string, options: Partial<KeysClientOptions> = {}): RecordingClient {
  const delays: number[] = [];
  const client = createKeysClient({
    baseUrl,
    apiKey: TEST_API_KEY,
    random: () => 0,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
  return { client, delays };
}
