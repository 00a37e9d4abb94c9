// Two nodes of the keys service on one PostgreSQL database: a revocation on one takes effect on the other
// within the cache-sync interval (the bound README documents), and both serve the same keys.
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningKeyService, startKeyService } from "../../../keyservice/key-service.ts";
import {
  createKey,
  makeCaller,
  startTestKeyService,
  type TestKeyService,
} from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";

describe("two nodes sharing PostgreSQL", () => {
  let nodeA: TestKeyService;
  let nodeB: RunningKeyService;
  beforeAll(async () => {
    nodeA = await startTestKeyService("postgres");
    nodeB = await startKeyService({
      database: nodeA.database,
      dataDir: nodeA.dataDir,
      keyringFile: join(nodeA.dataDir, "keyring.json"),
      port: 0,
      logger: pino({ level: "silent" }),
      show: () => undefined,
      cacheSyncIntervalMs: 200,
    });
  });
  afterAll(async () => {
    await nodeB?.close();
    await nodeA?.close();
  });

  it("sees a key revoked on the other node within the sync interval", async () => {
    const callB = makeCaller(() => nodeB.url);
    const { id, secret } = await createKey(nodeA, {
      name: "Shared key",
      environment: "live",
      scopes: ["agents:read"],
    });
    const introspectOnB = async () =>
      (await callB("POST", "/v1/api_keys/introspect", { key: nodeA.adminKey, body: { key: secret } })).body;
    expect((await introspectOnB()).active).toBe(true); // now cached on B
    await nodeA.call("POST", `/v1/api_keys/${id}/revoke`, {
      key: nodeA.adminKey,
      body: { reason: "compromised" },
    });
    const started = Date.now();
    await waitFor("node B to see the revocation", async () => (await introspectOnB()).active === false, {
      timeoutMs: 5_000,
      intervalMs: 50,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("makes no second bootstrap key when a second node starts on an initialised store", async () => {
    const listed = await nodeA.call("GET", "/v1/api_keys?limit=100", { key: nodeA.adminKey });
    expect(listed.body.data.filter((k: { name: string }) => k.name === "Bootstrap admin key")).toHaveLength(
      1,
    );
    expect(nodeB.bootstrap.created).toBe(false);
  });
});
