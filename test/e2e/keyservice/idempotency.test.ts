// Idempotency-Key on both stores: a retry gets the first response (the key value included), a different
// request with the same key is refused, and concurrent requests with one key make one key.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORES, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";

describe.each(STORES)("idempotency on %s", (store) => {
  let ks: TestKeyService;
  beforeAll(async () => {
    ks = await startTestKeyService(store);
  });
  afterAll(async () => {
    await ks?.close();
  });

  const create = (idem: string, body: Record<string, unknown>) =>
    ks.call("POST", "/v1/api_keys", { key: ks.adminKey, body, headers: { "idempotency-key": idem } });

  it("replays the first response, secret included, marked as a replay", async () => {
    const idem = randomUUID();
    const body = {
      name: "Integration service",
      environment: "live",
      scopes: ["contacts:read", "contacts:write"],
    };
    const first = await create(idem, body);
    const second = await create(idem, body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const introspected = await ks.call("POST", "/v1/api_keys/introspect", {
      key: ks.adminKey,
      body: { key: second.body.secret },
    });
    expect(introspected.body).toMatchObject({ active: true, id: first.body.id });
  });

  it("refuses the same key with a different request, and changes nothing", async () => {
    const idem = randomUUID();
    const tag = `r${Date.now()}`;
    await create(idem, { name: "First", environment: "test", scopes: ["agents:read"], metadata: { tag } });
    const reused = await create(idem, {
      name: "Second",
      environment: "test",
      scopes: ["agents:read"],
      metadata: { tag },
    });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe("idempotency_key_reused");
    const listed = await ks.call("GET", `/v1/api_keys?metadata[tag]=${tag}`, { key: ks.adminKey });
    expect(listed.body.data.map((k: { name: string }) => k.name)).toEqual(["First"]);
  });

  it("makes one key from 20 concurrent creates with one Idempotency-Key", async () => {
    const idem = randomUUID();
    const tag = `c${Date.now()}`;
    const body = { name: "Concurrent", environment: "test", scopes: ["agents:read"], metadata: { tag } };
    const responses = await Promise.all(Array.from({ length: 20 }, () => create(idem, body)));
    for (const r of responses) expect(r.status).toBe(201);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(responses.map((r) => r.body.secret)).size).toBe(1);
    const listed = await ks.call("GET", `/v1/api_keys?metadata[tag]=${tag}`, { key: ks.adminKey });
    expect(listed.body.data).toHaveLength(1);
  });

  it("replays a roll, so a retried rotation does not mint a second key", async () => {
    const created = await create(randomUUID(), {
      name: "Rolled once",
      environment: "test",
      scopes: ["agents:read"],
    });
    const idem = randomUUID();
    const roll = () =>
      ks.call("POST", `/v1/api_keys/${created.body.id}/roll`, {
        key: ks.adminKey,
        body: { grace_period_seconds: 60 },
        headers: { "idempotency-key": idem },
      });
    const [a, b] = [await roll(), await roll()];
    expect(b.body.id).toBe(a.body.id);
    expect(b.body.secret).toBe(a.body.secret);
  });

  it("forgets a replay when its window ends", async () => {
    const idem = randomUUID();
    const body = { name: "Window", environment: "test", scopes: ["agents:read"] };
    const first = await create(idem, body);
    ks.clock.advance(86_400_001);
    const later = await create(idem, body);
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
  });
});
