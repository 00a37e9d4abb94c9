import { afterEach, describe, expect, it } from "vitest";
import { recordingClient, sampleKey, TEST_API_KEY } from "../../test/support/client-fixtures.ts";
import { type FaultServer, type Handler, script, startFaultServer } from "../../test/support/fault-server.ts";
import { isKeysApiError } from "./errors.ts";
import type { ApiKey, ListPage } from "./types.ts";

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: Handler): Promise<FaultServer> {
  server = await startFaultServer(handler);
  return server;
}

const keyId = (n: number) => `key_${String(n).padStart(24, "0")}`;
const page = (ids: number[], next: string | null): { status: number; body: ListPage<ApiKey> } => ({
  status: 200,
  body: {
    object: "list",
    data: ids.map((n) => sampleKey({ id: keyId(n) })),
    has_more: next !== null,
    next_cursor: next,
  },
});

describe("lists", () => {
  it("follows next_cursor until has_more is false, keeping the filters on every page", async () => {
    // given three pages, the cursor being whatever the server chose
    const pages: Record<string, ReturnType<typeof page>> = {
      "": page([1, 2], "Y3Vyc29yLTE"),
      Y3Vyc29yLTE: page([3, 4], "Y3Vyc29yLTI"),
      Y3Vyc29yLTI: page([5], null),
    };
    const { baseUrl, requests } = await serve((request) => {
      const cursor = new URL(request.url, "http://x").searchParams.get("starting_after") ?? "";
      return pages[cursor] ?? { status: 400 };
    });
    const { client } = recordingClient(baseUrl);
    // when
    const ids: string[] = [];
    for await (const key of client.listAllKeys({ environment: "live", limit: 2 })) ids.push(key.id);
    // then
    expect(ids).toEqual([1, 2, 3, 4, 5].map(keyId));
    expect(requests.map((r) => r.url)).toEqual([
      "/v1/api_keys?environment=live&limit=2",
      "/v1/api_keys?environment=live&limit=2&starting_after=Y3Vyc29yLTE",
      "/v1/api_keys?environment=live&limit=2&starting_after=Y3Vyc29yLTI",
    ]);
  });

  it("stops with an error when a page says has_more without a new cursor", async () => {
    const { baseUrl } = await serve(
      script({ status: 200, body: { ...page([1], null).body, has_more: true } }),
    );
    const { client } = recordingClient(baseUrl);
    const iterate = async () => {
      for await (const _ of client.listAllAuditEvents()) {
        // draining
      }
    };
    await expect(iterate()).rejects.toSatisfy((e) => isKeysApiError(e, "invalid_response"));
  });

  it("encodes metadata filters as metadata[KEY]=VALUE, escaping inside the brackets", async () => {
    const { baseUrl, requests } = await serve(script(page([], null)));
    const { client } = recordingClient(baseUrl);
    await client.listKeys({
      metadata: { team: "payments", "a]b": "c&d" },
      updated_after: "2025-01-15T09:30:00.000Z",
    });
    const [request] = requests;
    expect(request?.url).toBe(
      "/v1/api_keys?metadata[team]=payments&metadata[a%5Db]=c%26d&updated_after=2025-01-15T09%3A30%3A00.000Z",
    );
    const parsed = new URL(request?.url ?? "", "http://x").searchParams;
    expect(parsed.get("metadata[team]")).toBe("payments");
    expect(parsed.get("metadata[a]b]")).toBe("c&d");
  });
});

describe("requests", () => {
  it("sends the bearer key, JSON headers, and an Idempotency-Key only on POST", async () => {
    const { baseUrl, requests } = await serve(script({ status: 200, body: sampleKey() }));
    const { client } = recordingClient(`${baseUrl}/v1/`, { userAgent: "ayra-keys-test" });
    await client.updateKey("key_0123456789abcdefghijABCD", { name: "web" });
    await client.revokeKey("key_0123456789abcdefghijABCD", { reason: "compromised" });
    const [patch, post] = requests;
    expect(patch).toMatchObject({
      method: "PATCH",
      url: "/v1/api_keys/key_0123456789abcdefghijABCD",
      body: '{"name":"web"}',
    });
    expect(patch?.headers).toMatchObject({
      authorization: `Bearer ${TEST_API_KEY}`,
      "content-type": "application/json",
      "user-agent": "ayra-keys-test",
    });
    expect(patch?.headers["idempotency-key"]).toBeUndefined();
    expect(post).toMatchObject({ method: "POST", url: "/v1/api_keys/key_0123456789abcdefghijABCD/revoke" });
    expect(post?.headers["idempotency-key"]).toEqual(expect.any(String));
  });

  it("escapes the id in the path and refuses an empty one", async () => {
    const { baseUrl, requests } = await serve(script({ status: 404 }));
    const { client } = recordingClient(baseUrl);
    await client.getUsage("../admin", { since: "2025-01-15T00:00:00.000Z" }).catch(() => undefined);
    expect(requests[0]?.url).toBe("/v1/api_keys/..%2Fadmin/usage?since=2025-01-15T00%3A00%3A00.000Z");
    await expect(client.getKey("")).rejects.toThrow(TypeError);
  });

  it("refuses an Idempotency-Key the server would refuse, before sending", async () => {
    const { baseUrl, requests } = await serve(script({ status: 201 }));
    const { client } = recordingClient(baseUrl);
    const body = { name: "n", environment: "test", scopes: ["agents:read"] } as const;
    await expect(client.createKey(body, { idempotencyKey: "x".repeat(256) })).rejects.toThrow(TypeError);
    expect(requests).toHaveLength(0);
  });
});
