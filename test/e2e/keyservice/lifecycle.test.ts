// A key's life through the real service on both stores: create, read, patch, roll with grace, revoke now
// and later, expiry — and at each step, what introspection and authentication say.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, STORES, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { expectNoSecret } from "../../harness/no-secret.ts";
import { waitFor } from "../../harness/wait.ts";

const READ = ["agents:read", "analytics:read"];

describe.each(STORES)("keys service on %s", (store) => {
  let ks: TestKeyService;
  beforeAll(async () => {
    ks = await startTestKeyService(store);
  });
  afterAll(async () => {
    await ks?.close();
  });

  const introspect = async (secret: string) =>
    (await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: secret } })).body;
  const authenticates = async (secret: string) =>
    (await ks.call("GET", "/v1/api_keys?limit=1", { key: secret })).status !== 401;

  it("creates a key that introspects active with exactly its scopes, and shows its value only once", async () => {
    const created = await createKey(ks, {
      name: "Production Web App",
      environment: "live",
      scopes: ["agents:read", "agents:write"],
    });
    expect(created.secret).toMatch(/^sk_live_[A-Za-z0-9]{50}$/);
    expect(created.body.redacted).toBe(`${created.secret.slice(0, 14)}...${created.secret.slice(-4)}`);
    expect(await introspect(created.secret)).toEqual({
      active: true,
      id: created.id,
      environment: "live",
      scopes: ["agents:read", "agents:write"],
      expires_at: null,
      expiring_at: null,
    });
    const fetched = await ks.call("GET", `/v1/api_keys/${created.id}`, { key: ks.adminKey });
    expect(fetched.status).toBe(200);
    expectNoSecret(JSON.stringify(fetched.body), created.secret);
    expect(fetched.body).not.toHaveProperty("secret");
  });

  it("patches name and metadata in place and refuses to patch scopes", async () => {
    const { id, secret } = await createKey(ks, {
      name: "Dev Environment",
      environment: "test",
      scopes: READ,
    });
    const patched = await ks.call("PATCH", `/v1/api_keys/${id}`, {
      key: ks.adminKey,
      body: { name: "Staging", metadata: { team: "web" } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, name: "Staging", metadata: { team: "web" }, status: "active" });
    const refused = await ks.call("PATCH", `/v1/api_keys/${id}`, {
      key: ks.adminKey,
      body: { scopes: ["admin:full"] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "immutable_field", param: "scopes" });
    expect((await introspect(secret)).scopes).toEqual(READ);
  });

  it("rolls to a new key while the old one works until its grace ends, then fails", async () => {
    const old = await createKey(ks, { name: "Mobile App - iOS", environment: "live", scopes: READ });
    const rolled = await ks.call("POST", `/v1/api_keys/${old.id}/roll`, {
      key: ks.adminKey,
      body: { scopes: ["agents:read"], grace_period_seconds: 3600 },
    });
    expect(rolled.status).toBe(201);
    expect(rolled.body).toMatchObject({ rolled_from: old.id, scopes: ["agents:read"], status: "active" });
    const fresh: string = rolled.body.secret;
    expect(fresh).not.toBe(old.secret);
    const oldNow = (await ks.call("GET", `/v1/api_keys/${old.id}`, { key: ks.adminKey })).body;
    expect(oldNow).toMatchObject({ status: "expiring", replaced_by: rolled.body.id });
    expect(Date.parse(String(oldNow.expiring_at)) - ks.clock.now()).toBeGreaterThan(3590_000);
    expect((await introspect(old.secret)).active).toBe(true);
    expect((await introspect(old.secret)).expiring_at).toBe(oldNow.expiring_at);

    ks.clock.advance(3601_000);
    expect(await introspect(old.secret)).toEqual({ active: false });
    expect(await authenticates(old.secret)).toBe(false);
    expect((await introspect(fresh)).active).toBe(true);
    const revoked = (await ks.call("GET", `/v1/api_keys/${old.id}`, { key: ks.adminKey })).body;
    expect(revoked).toMatchObject({ status: "revoked", revocation_reason: "replaced" });
  });

  it("ends the grace at the old key's own expiry when that comes first", async () => {
    const expiresAt = new Date(ks.clock.now() + 600_000).toISOString();
    const old = await createKey(ks, {
      name: "Short-lived vendor key",
      environment: "test",
      scopes: READ,
      expires_at: expiresAt,
    });
    const rolled = await ks.call("POST", `/v1/api_keys/${old.id}/roll`, {
      key: ks.adminKey,
      body: { grace_period_seconds: 86_400 },
    });
    const oldNow = (await ks.call("GET", `/v1/api_keys/${old.id}`, { key: ks.adminKey })).body;
    expect(Date.parse(String(oldNow.expiring_at))).toBe(Date.parse(expiresAt));
    // A fresh lifetime of the same length for the new key.
    expect(
      Date.parse(String(rolled.body.expires_at)) - Date.parse(rolled.body.created_at),
    ).toBeGreaterThanOrEqual(599_000);
    const again = await ks.call("POST", `/v1/api_keys/${old.id}/roll`, { key: ks.adminKey, body: {} });
    expect(again.body.error).toMatchObject({ code: "roll_in_progress" });
  });

  it("revokes at once, refuses to revoke twice, and fails the key everywhere", async () => {
    const { id, secret } = await createKey(ks, {
      name: "Legacy Integration",
      environment: "live",
      scopes: ["contacts:read"],
    });
    const res = await ks.call("POST", `/v1/api_keys/${id}/revoke`, {
      key: ks.adminKey,
      body: { reason: "compromised", note: "found in a log" },
    });
    expect(res.body).toMatchObject({ status: "revoked", revocation_reason: "compromised" });
    expect(await introspect(secret)).toEqual({ active: false });
    expect(await authenticates(secret)).toBe(false);
    const twice = await ks.call("POST", `/v1/api_keys/${id}/revoke`, {
      key: ks.adminKey,
      body: { reason: "compromised" },
    });
    expect(twice.body.error.code).toBe("key_already_revoked");
  });

  it("schedules a revocation that takes effect at its time", async () => {
    const { id, secret } = await createKey(ks, { name: "Contractor key", environment: "test", scopes: READ });
    const effectiveAt = new Date(ks.clock.now() + 120_000).toISOString();
    const res = await ks.call("POST", `/v1/api_keys/${id}/revoke`, {
      key: ks.adminKey,
      body: { reason: "employee_departure", effective_at: effectiveAt },
    });
    expect(res.body).toMatchObject({ status: "expiring", expiring_at: effectiveAt });
    expect((await introspect(secret)).active).toBe(true);
    ks.clock.advance(121_000);
    expect(await introspect(secret)).toEqual({ active: false });
    const after = (await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body;
    expect(after).toMatchObject({
      status: "revoked",
      revocation_reason: "employee_departure",
      revoked_at: effectiveAt,
    });
  });

  it("expires a key at its expiry", async () => {
    const { id, secret } = await createKey(ks, {
      name: "Demo key",
      environment: "test",
      scopes: READ,
      expires_at: new Date(ks.clock.now() + 60_000).toISOString(),
    });
    expect((await introspect(secret)).active).toBe(true);
    ks.clock.advance(61_000);
    expect(await introspect(secret)).toEqual({ active: false });
    expect(await authenticates(secret)).toBe(false);
    expect((await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body.status).toBe("expired");
  });

  it("lists exactly the keys changed after a moment, deadlines included", async () => {
    const tag = { run: `u${Date.now()}` };
    const a = await createKey(ks, { name: "A", environment: "test", scopes: READ, metadata: tag });
    const b = await createKey(ks, { name: "B", environment: "test", scopes: READ, metadata: tag });
    const c = await createKey(ks, {
      name: "C",
      environment: "test",
      scopes: READ,
      metadata: tag,
      expires_at: new Date(ks.clock.now() + 30_000).toISOString(),
    });
    ks.clock.advance(5);
    const mark = new Date(ks.clock.now()).toISOString();
    ks.clock.advance(5);
    await ks.call("PATCH", `/v1/api_keys/${a.id}`, { key: ks.adminKey, body: { name: "A2" } });
    ks.clock.advance(31_000); // c expires
    const changed = await ks.call(
      "GET",
      `/v1/api_keys?updated_after=${encodeURIComponent(mark)}&metadata[run]=${tag.run}`,
      { key: ks.adminKey },
    );
    expect(changed.body.data.map((k: { id: string }) => k.id).sort()).toEqual([a.id, c.id].sort());
    expect(changed.body.data.map((k: { id: string }) => k.id)).not.toContain(b.id);
  });

  it("pages through many keys with cursors, in order, without repeats", async () => {
    const tag = { page: `p${Date.now()}` };
    const ids: string[] = [];
    for (let i = 0; i < 25; i++)
      ids.push(
        (await createKey(ks, { name: `Key ${i}`, environment: "test", scopes: READ, metadata: tag })).id,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/api_keys?limit=10&metadata[page]=${tag.page}${cursor ? `&starting_after=${cursor}` : ""}`;
      const page = await ks.call("GET", q, { key: ks.adminKey });
      seen.push(...page.body.data.map((k: { id: string }) => k.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    // Every key once, in the list's documented order: (created_at, id).
    expect([...seen].sort()).toEqual([...ids].sort());
    const created = new Map<string, string>();
    for (const id of ids)
      created.set(id, (await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body.created_at);
    const order = seen.map((id) => `${created.get(id)} ${id}`);
    expect(order).toEqual([...order].sort());
  });

  it("records usage and last_used_at, only forward", async () => {
    const { id, secret } = await createKey(ks, {
      name: "Analytics Dashboard",
      environment: "live",
      scopes: ["analytics:read", "api_keys:read"],
    });
    for (let i = 0; i < 3; i++) await ks.call("GET", "/v1/api_keys?limit=1", { key: secret });
    const count = (body: { hourly: { count: number }[] }) => body.hourly.reduce((n, h) => n + h.count, 0);
    // The three uses may land in different flushes: wait for the count to settle (never above 3).
    const usage = await waitFor("usage to be flushed", async () => {
      const res = await ks.call("GET", `/v1/api_keys/${id}/usage`, { key: ks.adminKey });
      expect(count(res.body)).toBeLessThanOrEqual(3);
      return res.body.last_used_at && count(res.body) === 3 ? res.body : undefined;
    });
    expect(count(usage)).toBe(3);
    expect(usage.flush_interval_seconds).toBeGreaterThan(0);
    const key = (await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body;
    expect(key.last_used_at).toBe(usage.last_used_at);
    expect(key.updated_at).toBe(key.created_at); // usage is not a change of state
  });

  it("keeps an audit log of every management call, without values", async () => {
    const { id, secret } = await createKey(ks, { name: "Audited key", environment: "test", scopes: READ });
    await ks.call("POST", `/v1/api_keys/${id}/revoke`, { key: ks.adminKey, body: { reason: "unused" } });
    const events = await ks.call("GET", `/v1/audit_events?key_id=${id}`, { key: ks.adminKey });
    expect(events.body.data.map((e: { action: string }) => e.action)).toEqual([
      "api_key.created",
      "api_key.revoked",
    ]);
    for (const e of events.body.data) expect(e.request_id).toMatch(/^req_/);
    expectNoSecret(JSON.stringify(events.body), secret);
  });
});
