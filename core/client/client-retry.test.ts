import { afterEach, describe, expect, it } from "vitest";
import { errorBody, recordingClient, sampleKey } from "../../test/support/client-fixtures.ts";
import { type FaultServer, type Reply, script, startFaultServer } from "../../test/support/fault-server.ts";
import { isKeysApiError, type KeysApiError, KeysApiNetworkError } from "./errors.ts";
import type { KeysRequestInfo } from "./request.ts";

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(...replies: Reply[]): Promise<FaultServer> {
  server = await startFaultServer(script(...replies));
  return server;
}

const unavailable = (retryAfter: string): Reply => ({
  ...errorBody(503, "api_error", "service_unavailable"),
  headers: { "retry-after": retryAfter },
});
const created = { status: 201, body: { ...sampleKey(), secret: `sk_live_${"s".repeat(50)}` } };
const createBody = { name: "Production Web App", environment: "live", scopes: ["agents:read"] } as const;

describe("retries", () => {
  it("retries a 503 and waits at least as long as Retry-After says", async () => {
    // given a server that is unavailable twice, asking for 2 s each time
    const { baseUrl, requests } = await serve(unavailable("2"), unavailable("2"), {
      status: 200,
      body: sampleKey(),
    });
    const { client, delays } = recordingClient(baseUrl);
    // when
    const key = await client.getKey("key_0123456789abcdefghijABCD");
    // then the backoff (0 with this jitter) never undercut the server's 2 s
    expect(key.id).toBe("key_0123456789abcdefghijABCD");
    expect(requests).toHaveLength(3);
    expect(delays).toEqual([2000, 2000]);
  });

  it("reads a Retry-After given as an HTTP date", async () => {
    const now = Date.parse("2025-01-15T09:30:00.000Z");
    const { baseUrl } = await serve(unavailable(new Date(now + 3000).toUTCString()), {
      status: 200,
      body: sampleKey(),
    });
    const { client, delays } = recordingClient(baseUrl, { now: () => now });
    await client.getKey("key_0123456789abcdefghijABCD");
    expect(delays).toEqual([3000]);
  });

  it("gives up at once when Retry-After is beyond maxDelayMs, and says when to come back", async () => {
    const { baseUrl, requests } = await serve(unavailable("60"));
    const { client, delays } = recordingClient(baseUrl);
    const error = await client.getKey("key_0123456789abcdefghijABCD").catch((e: unknown) => e);
    expect(isKeysApiError(error, "service_unavailable")).toBe(true);
    expect((error as KeysApiError).retryAfterMs).toBe(60_000);
    expect(requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("backs off with full jitter, doubling the ceiling up to maxDelayMs, then throws the last error", async () => {
    const { baseUrl, requests } = await serve(errorBody(500, "api_error", "internal_error"));
    const { client, delays } = recordingClient(baseUrl, { random: () => 0.5, retry: { maxDelayMs: 1000 } });
    const error = await client.getKey("key_0123456789abcdefghijABCD").catch((e: unknown) => e);
    expect(isKeysApiError(error, "internal_error")).toBe(true);
    expect(requests).toHaveLength(5);
    expect(delays).toEqual([100, 200, 400, 500]);
  });

  it("sends the same Idempotency-Key on every retry of a call, and a new one for the next call", async () => {
    const { baseUrl, requests } = await serve(unavailable("1"), unavailable("1"), created);
    const { client } = recordingClient(baseUrl);
    await client.createKey(createBody);
    await client.createKey(createBody);
    const keys = requests.map((r) => r.headers["idempotency-key"]);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys.slice(0, 3)).toEqual([keys[0], keys[0], keys[0]]);
    expect(keys[3]).not.toBe(keys[0]);
  });

  it("uses the caller's Idempotency-Key, so a crashed caller can recover the same key", async () => {
    const { baseUrl, requests } = await serve(unavailable("1"), created);
    const { client } = recordingClient(baseUrl);
    await client.rollKey("key_0123456789abcdefghijABCD", {}, { idempotencyKey: "rotate-web-2025-01-15" });
    expect(requests.map((r) => r.headers["idempotency-key"])).toEqual([
      "rotate-web-2025-01-15",
      "rotate-web-2025-01-15",
    ]);
  });

  it.each([
    { status: 400, type: "invalid_request_error", code: "invalid_scope" },
    { status: 401, type: "authentication_error", code: "invalid_api_key" },
    { status: 403, type: "permission_error", code: "scope_escalation" },
    { status: 404, type: "not_found_error", code: "resource_missing" },
    { status: 409, type: "conflict_error", code: "key_already_revoked" },
    { status: 409, type: "idempotency_error", code: "idempotency_key_reused" },
  ] as const)("does not retry $status $code", async ({ status, type, code }) => {
    const { baseUrl, requests } = await serve(errorBody(status, type, code));
    const { client, delays } = recordingClient(baseUrl);
    const error = await client
      .revokeKey("key_0123456789abcdefghijABCD", { reason: "unused" })
      .catch((e: unknown) => e);
    expect(isKeysApiError(error, code)).toBe(true);
    expect((error as KeysApiError).retryable).toBe(false);
    expect(requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("retries 409 idempotency_request_in_progress: the first attempt is still running on the server", async () => {
    const inProgress = {
      ...errorBody(409, "idempotency_error", "idempotency_request_in_progress"),
      headers: { "retry-after": "1" },
    };
    const { baseUrl, requests } = await serve(inProgress, created);
    const { client, delays } = recordingClient(baseUrl);
    await expect(client.createKey(createBody)).resolves.toMatchObject({ secret: expect.any(String) });
    expect(requests).toHaveLength(2);
    expect(delays).toEqual([1000]);
  });

  it("times out each attempt, retries, and ends with a KeysApiNetworkError", async () => {
    const { baseUrl, requests } = await serve("hang");
    const { client, delays } = recordingClient(baseUrl, { timeoutMs: 50, retry: { retries: 2 } });
    const error = await client.listKeys().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeysApiNetworkError);
    expect(error).toMatchObject({ kind: "timeout", attempts: 3, method: "GET", path: "/v1/api_keys" });
    expect(requests).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it("retries a dropped connection as a network failure", async () => {
    const { baseUrl, requests } = await serve("drop", { status: 200, body: sampleKey() });
    const { client } = recordingClient(baseUrl);
    await expect(client.getKey("key_0123456789abcdefghijABCD")).resolves.toMatchObject({ object: "api_key" });
    expect(requests).toHaveLength(2);
  });

  it("stops at once when the caller aborts, rejecting with the caller's reason", async () => {
    const { baseUrl, requests } = await serve("hang");
    const { client, delays } = recordingClient(baseUrl);
    const controller = new AbortController();
    const pending = client.getKey("key_0123456789abcdefghijABCD", { signal: controller.signal });
    while (requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error("shutting down"));
    await expect(pending).rejects.toThrow("shutting down");
    expect(delays).toEqual([]);
  });

  it("reports every attempt to onRequest, and a throwing hook does not fail the call", async () => {
    const { baseUrl } = await serve(unavailable("1"), { status: 200, body: sampleKey() });
    const seen: KeysRequestInfo[] = [];
    const onRequest = (info: KeysRequestInfo) => {
      seen.push(info);
      throw new Error("the logger is broken");
    };
    const { client } = recordingClient(baseUrl, { onRequest });
    await client.getKey("key_0123456789abcdefghijABCD");
    expect(
      seen.map(({ operation, status, attempt, requestId }) => ({ operation, status, attempt, requestId })),
    ).toEqual([
      { operation: "getApiKey", status: 503, attempt: 1, requestId: "req_000000000000000000000000" },
      { operation: "getApiKey", status: 200, attempt: 2, requestId: "req_000000000000000000000001" },
    ]);
  });
});
