// Who may do what, on both stores: scopes gate management, no key grants what it lacks, and a test key
// never sees, mints or manages a live key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, STORES, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";

describe.each(STORES)("authorization on %s", (store) => {
  let ks: TestKeyService;
  let liveManager: string;
  let testManager: string;
  let reader: string;
  let liveKeyId: string;

  beforeAll(async () => {
    ks = await startTestKeyService(store);
    liveManager = (
      await createKey(ks, {
        name: "Live manager",
        environment: "live",
        scopes: ["api_keys:write", "agents:read", "agents:write"],
      })
    ).secret;
    testManager = (
      await createKey(ks, {
        name: "Test manager",
        environment: "test",
        scopes: ["api_keys:write", "agents:read"],
      })
    ).secret;
    reader = (
      await createKey(ks, { name: "Registry reader", environment: "live", scopes: ["api_keys:read"] })
    ).secret;
    liveKeyId = (await createKey(ks, { name: "Some live key", environment: "live", scopes: ["agents:read"] }))
      .id;
  });
  afterAll(async () => {
    await ks?.close();
  });

  it.each([
    {
      name: "a key without management scopes cannot list keys",
      as: "plain",
      method: "GET",
      path: "/v1/api_keys",
      code: "insufficient_scope",
    },
    {
      name: "a read-only key cannot create keys",
      as: "reader",
      method: "POST",
      path: "/v1/api_keys",
      code: "insufficient_scope",
    },
    {
      name: "a test key cannot mint a live key",
      as: "test",
      method: "POST",
      path: "/v1/api_keys",
      code: "environment_mismatch",
    },
    {
      name: "a test key cannot read a live key: to it, the key does not exist",
      as: "test",
      method: "GET",
      path: "live-key",
      code: "resource_missing",
    },
    {
      name: "a test key cannot revoke a live key: to it, the key does not exist",
      as: "test",
      method: "POST",
      path: "live-key/revoke",
      code: "resource_missing",
    },
  ])("$name", async ({ as, method, path, code }) => {
    const plain = (
      await createKey(ks, { name: "No management", environment: "live", scopes: ["agents:read"] })
    ).secret;
    const key = { plain, reader, test: testManager }[as] ?? "";
    const realPath = path.startsWith("live-key")
      ? `/v1/api_keys/${liveKeyId}${path.slice("live-key".length)}`
      : path;
    const body =
      method === "POST" && realPath.endsWith("revoke")
        ? { reason: "unused" }
        : method === "POST"
          ? { name: "Wanted", environment: "live", scopes: ["agents:read"] }
          : undefined;
    const res = await ks.call(method, realPath, { key, body });
    expect(res.status).toBe(code === "resource_missing" ? 404 : 403);
    expect(res.body.error.code).toBe(code);
  });

  it("refuses to mint scopes the caller lacks, naming them", async () => {
    const res = await ks.call("POST", "/v1/api_keys", {
      key: liveManager,
      body: {
        name: "Escalation",
        environment: "live",
        scopes: ["agents:read", "contacts:write", "admin:full"],
      },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("scope_escalation");
    expect(res.body.error.message).toContain("contacts:write");
    expect(res.body.error.message).toContain("admin:full");
  });

  it("refuses to roll a key to scopes the caller lacks", async () => {
    const { id } = await createKey(
      ks,
      { name: "Rollable", environment: "live", scopes: ["agents:read"] },
      liveManager,
    );
    const res = await ks.call("POST", `/v1/api_keys/${id}/roll`, {
      key: liveManager,
      body: { scopes: ["workflows:write"] },
    });
    expect(res.body.error.code).toBe("scope_escalation");
  });

  it("lets a live management key manage test keys, and shows a test key only test keys", async () => {
    const { id } = await createKey(
      ks,
      { name: "Test key by live manager", environment: "test", scopes: ["agents:read"] },
      liveManager,
    );
    const listed = await ks.call("GET", "/v1/api_keys?limit=100", { key: testManager });
    expect(listed.status).toBe(200);
    expect(listed.body.data.every((k: { environment: string }) => k.environment === "test")).toBe(true);
    expect(listed.body.data.map((k: { id: string }) => k.id)).toContain(id);
  });

  it("answers inactive when a test key introspects a live key", async () => {
    const live = await createKey(ks, { name: "Live target", environment: "live", scopes: ["agents:read"] });
    const res = await ks.call("POST", "/v1/api_keys/introspect", {
      key: testManager,
      body: { key: live.secret },
    });
    expect(res.body).toEqual({ active: false });
  });
});
