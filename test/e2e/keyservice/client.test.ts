// The typed client (core/client) against the real service: the two sides of the contract agree.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeysClient, isKeysApiError, type KeysClient } from "../../../core/client/index.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";

describe("the keys client against the keys service", () => {
  let ks: TestKeyService;
  let client: KeysClient;
  beforeAll(async () => {
    ks = await startTestKeyService("sqlite");
    client = createKeysClient({ baseUrl: ks.url, apiKey: ks.adminKey });
  });
  afterAll(async () => {
    await ks?.close();
  });

  it("creates with an Idempotency-Key and recovers the same key on a retry", async () => {
    const idempotencyKey = randomUUID();
    const body = {
      name: "Recovered after a crash",
      environment: "test" as const,
      scopes: ["agents:read" as const],
    };
    const first = await client.createKey(body, { idempotencyKey });
    const again = await client.createKey(body, { idempotencyKey });
    expect(again.id).toBe(first.id);
    expect(again.secret).toBe(first.secret);
  });

  it("rolls, introspects and revokes", async () => {
    const key = await client.createKey({ name: "Client roll", environment: "live", scopes: ["agents:read"] });
    const rolled = await client.rollKey(key.id, {
      scopes: ["agents:read", "analytics:read"],
      grace_period_seconds: 60,
    });
    expect(rolled.rolled_from).toBe(key.id);
    expect(await client.introspect(rolled.secret)).toMatchObject({
      active: true,
      scopes: ["agents:read", "analytics:read"],
    });
    expect((await client.getKey(key.id)).status).toBe("expiring");
    await client.revokeKey(key.id, { reason: "replaced" });
    expect((await client.introspect(key.secret)).active).toBe(false);
  });

  it("follows cursors across pages and filters by metadata", async () => {
    const tag = `client-${Date.now()}`;
    for (let i = 0; i < 7; i++)
      await client.createKey({
        name: `Paged ${i}`,
        environment: "test",
        scopes: ["agents:read"],
        metadata: { tag },
      });
    const seen: string[] = [];
    for await (const key of client.listAllKeys({ limit: 3, metadata: { tag } })) seen.push(key.name);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `Paged ${i}`));
  });

  it("surfaces the service's errors as typed errors with the request id", async () => {
    const error = await client.getKey("key_doesnotexist0000000000000").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKeysApiError(error, "resource_missing")).toBe(true);
    expect((error as { requestId?: string }).requestId).toMatch(/^req_/);
    expect((error as { status?: number }).status).toBe(404);
  });
});
