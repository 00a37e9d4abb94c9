// A check by whoever holds a key (`record_use: false`, the controller's verify step) on both stores: it
// answers like any introspection, but is neither a use of an active key nor an attempt to use a revoked one;
// a default introspection is both. A bad value is refused naming the field, and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeysClient } from "../../../core/client/index.ts";
import { createKey, STORES, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";

const READ = ["agents:read"];

describe.each(STORES)("introspection with record_use, on %s", (store) => {
  let ks: TestKeyService;
  beforeAll(async () => {
    ks = await startTestKeyService(store);
  });
  afterAll(async () => {
    await ks?.close();
  });

  const usage = async (id: string) =>
    (await ks.call("GET", `/v1/api_keys/${id}/usage`, { key: ks.adminKey })).body as unknown as {
      last_used_at: string | null;
      hourly: { count: number }[];
      revoked_attempts: number;
    };
  const introspect = (body: Record<string, unknown>) =>
    ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body });
  /**
   * Usage is written in batches: once a control key's default introspection shows in usage, every use
   * recorded before it has been written too.
   */
  const flushed = async () => {
    const control = await createKey(ks, { name: "Flush Control", environment: "test", scopes: READ });
    expect((await introspect({ key: control.secret })).body.active).toBe(true);
    await waitFor("the control key's use to be written", async () => (await usage(control.id)).last_used_at);
  };

  it("answers a holder's check of an active key without counting it as a use", async () => {
    const key = await createKey(ks, { name: "Ledger Sync", environment: "test", scopes: READ });
    const checked = await introspect({ key: key.secret, record_use: false });
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ active: true, id: key.id, environment: "test", scopes: READ });

    // Through the product's client too: it is how the controller asks.
    const client = createKeysClient({ baseUrl: ks.url, apiKey: ks.adminKey });
    expect(await client.introspect(key.secret, { recordUse: false })).toMatchObject({
      active: true,
      id: key.id,
    });
    await flushed();
    expect(await usage(key.id)).toMatchObject({ last_used_at: null, hourly: [] });

    // The default, and an explicit true, count as before.
    expect((await introspect({ key: key.secret, record_use: true })).body.active).toBe(true);
    const used = await waitFor("the use to be written", async () => {
      const u = await usage(key.id);
      return u.last_used_at === null ? undefined : u;
    });
    expect(used.hourly.reduce((n, h) => n + h.count, 0)).toBe(1);
    expect((await client.introspect(key.secret)).active).toBe(true);
    await waitFor("the second use to be written", async () => {
      const u = await usage(key.id);
      return u.hourly.reduce((n, h) => n + h.count, 0) === 2 ? u : undefined;
    });
  });

  it("answers a holder's check of a revoked key as inactive without counting an attempt", async () => {
    const key = await createKey(ks, { name: "Ledger Sync Old", environment: "test", scopes: READ });
    const revoked = await ks.call("POST", `/v1/api_keys/${key.id}/revoke`, {
      key: ks.adminKey,
      body: { reason: "replaced" },
    });
    expect(revoked.status).toBe(200);
    expect((await introspect({ key: key.secret, record_use: false })).body).toEqual({ active: false });
    await flushed();
    expect((await usage(key.id)).revoked_attempts).toBe(0);
    const audit = await ks.call(
      "GET",
      `/v1/audit_events?key_id=${key.id}&action=api_key.revoked_key_used&limit=10`,
      { key: ks.adminKey },
    );
    expect(audit.body.data).toEqual([]);

    // A default introspection of the same key is an attempt, counted as before.
    expect((await introspect({ key: key.secret })).body).toEqual({ active: false });
    await waitFor("the attempt to be counted", async () => (await usage(key.id)).revoked_attempts === 1);
  });

  it.each([["no"], [0], [null], [{}]])("refuses record_use %j, naming the field", async (value) => {
    const key = await createKey(ks, { name: "Ledger Sync Bad", environment: "test", scopes: READ });
    const res = await introspect({ key: key.secret, record_use: value });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      type: "invalid_request_error",
      code: "invalid_request",
      param: "record_use",
      message: "record_use must be true or false (default true).",
    });
    // Refused before anything was looked up: not a use.
    await flushed();
    expect((await usage(key.id)).last_used_at).toBeNull();
  });
});
