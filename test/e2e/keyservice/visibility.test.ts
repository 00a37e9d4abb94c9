// A test key sees test keys and their events, and nothing of live keys: not in lists (any filter, every
// page), not in the audit log (bootstrap, live keys' events, the key_id filter, who acted on a test key), not
// in usage, not in an error. Real service, both stores.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiBody,
  createKey,
  STORES,
  startTestKeyService,
  type TestKeyService,
} from "../../harness/keys-service.ts";

describe.each(STORES)("what a test key sees on %s", (store) => {
  let ks: TestKeyService;
  let testReader: string;
  let testWriter: string;
  const liveIds = new Set<string>();
  const testIds = new Set<string>();
  /** Every response body the test key received, for the final scan. */
  const seen: string[] = [];

  beforeAll(async () => {
    ks = await startTestKeyService(store);
    const liveManager = await createKey(ks, {
      name: "Live manager",
      environment: "live",
      scopes: ["api_keys:write", "agents:read"],
    });
    // Live keys with every kind of event: created, used, updated, rolled, revoked, scheduled.
    for (let i = 0; i < 4; i++) {
      const live = await createKey(
        ks,
        { name: `Live ${i}`, environment: "live", scopes: ["agents:read"], metadata: { team: "shared" } },
        liveManager.secret,
      );
      await ks.call("GET", "/v1/api_keys?limit=1", { key: liveManager.secret });
      await ks.call("POST", "/v1/api_keys/introspect", {
        key: liveManager.secret,
        body: { key: live.secret },
      });
      if (i === 0)
        await ks.call("PATCH", `/v1/api_keys/${live.id}`, {
          key: liveManager.secret,
          body: { name: "Live 0b" },
        });
      if (i === 1)
        await ks.call("POST", `/v1/api_keys/${live.id}/roll`, { key: liveManager.secret, body: {} });
      if (i === 2)
        await ks.call("POST", `/v1/api_keys/${live.id}/revoke`, {
          key: liveManager.secret,
          body: { reason: "unused" },
        });
      if (i === 3)
        await ks.call("POST", `/v1/api_keys/${live.id}/revoke`, {
          key: liveManager.secret,
          body: { reason: "unused", effective_at: new Date(Date.now() + 3_600_000).toISOString() },
        });
    }
    // Test keys made by live keys (their events name a live actor) and by a test key.
    testReader = (
      await createKey(ks, { name: "Test reader", environment: "test", scopes: ["api_keys:read"] })
    ).secret;
    const writer = await createKey(
      ks,
      { name: "Test writer", environment: "test", scopes: ["api_keys:write", "agents:read"] },
      liveManager.secret,
    );
    testWriter = writer.secret;
    for (let i = 0; i < 3; i++) {
      const t = await createKey(
        ks,
        { name: `Test ${i}`, environment: "test", scopes: ["agents:read"], metadata: { team: "shared" } },
        i === 0 ? liveManager.secret : testWriter,
      );
      if (i === 1) await ks.call("POST", `/v1/api_keys/${t.id}/roll`, { key: testWriter, body: {} });
      if (i === 2)
        await ks.call("POST", `/v1/api_keys/${t.id}/revoke`, {
          key: liveManager.secret,
          body: { reason: "unused" },
        });
    }
    await ks.service.deps.usage.flush();
    // What exists, as the bootstrap admin sees it.
    for (const page of await walk(ks.adminKey, "/v1/api_keys?limit=100"))
      for (const key of page.data) (key.environment === "live" ? liveIds : testIds).add(key.id);
  });
  afterAll(async () => {
    await ks?.close();
  });

  /** Every page of a list, following next_cursor to the end. */
  async function walk(key: string, path: string): Promise<ApiBody[]> {
    const pages: ApiBody[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const res = await ks.call("GET", cursor ? `${path}${sep}starting_after=${cursor}` : path, { key });
      expect(res.status, path).toBe(200);
      if (key !== ks.adminKey) seen.push(JSON.stringify(res.body));
      pages.push(res.body);
      cursor = res.body.next_cursor;
      expect(pages.length, `${path} never ends`).toBeLessThan(200);
    } while (cursor !== null);
    return pages;
  }

  it("has live keys and test keys to hide and show (the scan below is not vacuous)", () => {
    expect(liveIds.size).toBeGreaterThanOrEqual(7);
    expect(testIds.size).toBeGreaterThanOrEqual(5);
  });

  it.each([
    "/v1/api_keys?limit=2",
    "/v1/api_keys?limit=1&environment=test",
    "/v1/api_keys?limit=2&status=active",
    "/v1/api_keys?limit=2&status=revoked",
    "/v1/api_keys?limit=2&status=expiring",
    "/v1/api_keys?limit=2&updated_after=2000-01-01T00:00:00Z",
    "/v1/api_keys?limit=2&metadata%5Bteam%5D=shared",
    "/v1/api_keys?limit=2&name=Live%200b",
  ])("lists test keys only: %s", async (path) => {
    const ids = (await walk(testReader, path)).flatMap((p) => p.data.map((k) => k.id));
    for (const id of ids) expect(testIds.has(id), id).toBe(true);
  });

  it("lists every test key it can see when it walks the whole list", async () => {
    const ids = new Set(
      (await walk(testReader, "/v1/api_keys?limit=3")).flatMap((p) => p.data.map((k) => k.id)),
    );
    expect(ids).toEqual(testIds);
  });

  it("reads the audit log of test keys only, and not who acted when a live key did", async () => {
    const events = (await walk(testReader, "/v1/audit_events?limit=3")).flatMap((p) => p.data);
    expect(events.length).toBeGreaterThanOrEqual(testIds.size);
    for (const e of events) {
      expect(testIds.has(e.target_key_id ?? ""), e.action).toBe(true);
      expect(e.action).not.toBe("api_key.bootstrap");
    }
    // A test key created by the live manager: its event is there, with the actor hidden.
    const byLive = events.filter((e) => e.action === "api_key.created" && e.actor_key_id === null);
    expect(byLive.length).toBeGreaterThanOrEqual(2);
    for (const e of byLive) {
      expect(e.request_id).toBeNull();
      expect(e).not.toHaveProperty("ip");
    }
    // Events a test key caused keep their actor.
    expect(events.some((e) => e.actor_key_id !== null && testIds.has(e.actor_key_id))).toBe(true);
  });

  it("gets for a live key id exactly what it gets for an unknown id: reads, usage, audit filter", async () => {
    // A 404 quotes the id the caller sent (no leak: it knew it), so these answers are compared with the
    // answer for an unknown id instead of being scanned below.
    const unknown = "key_000000000000000000000000";
    const strip = (body: ApiBody, id: string) =>
      JSON.stringify({ ...body, error: body.error && { ...body.error, request_id: "" } }).replaceAll(
        id,
        "ID",
      );
    for (const id of liveIds) {
      for (const path of ["", "/usage"]) {
        const live = await ks.call("GET", `/v1/api_keys/${id}${path}`, { key: testReader });
        const none = await ks.call("GET", `/v1/api_keys/${unknown}${path}`, { key: testReader });
        expect([live.status, live.body.error?.code]).toEqual([404, "resource_missing"]);
        expect(strip(live.body, id)).toBe(strip(none.body, unknown));
      }
      const audit = await walk(testReader, `/v1/audit_events?key_id=${id}`);
      expect(audit.flatMap((p) => p.data)).toEqual([]);
      for (const [method, suffix, body] of [
        ["POST", "/roll", {}],
        ["POST", "/revoke", { reason: "unused" }],
        ["PATCH", "", { name: "Renamed" }],
      ] as const) {
        const live = await ks.call(method, `/v1/api_keys/${id}${suffix}`, { key: testWriter, body });
        const none = await ks.call(method, `/v1/api_keys/${unknown}${suffix}`, { key: testWriter, body });
        expect([live.status, live.body.error?.code], `${method} ${suffix}`).toEqual([
          404,
          "resource_missing",
        ]);
        expect(strip(live.body, id)).toBe(strip(none.body, unknown));
      }
    }
    let events = 0;
    for (const id of testIds) {
      const audit = (await walk(testReader, `/v1/audit_events?key_id=${id}`)).flatMap((p) => p.data);
      for (const e of audit) expect(e.target_key_id).toBe(id);
      events += audit.length;
    }
    expect(events).toBeGreaterThanOrEqual(testIds.size - 1);
  });

  it("never received a live key id, in any response above", () => {
    expect(seen.length).toBeGreaterThan(20);
    const text = seen.join("\n");
    for (const id of liveIds) expect(text.includes(id), id).toBe(false);
  });
});
