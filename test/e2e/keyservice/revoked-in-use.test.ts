// A revoked key still presented, on both stores: every presentation gets exactly the 401 an unknown key
// gets, and is counted (usage, metric), audited with its request id and address at most once per key per
// minute, and never logged by value.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, STORES, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";

const READ = ["agents:read", "api_keys:read"];
const UNKNOWN = `sk_live_${"A".repeat(50)}`;

/** The 401 body without its request id, which differs per request by design. */
function withoutRequestId(body: { error: Record<string, unknown> }): Record<string, unknown> {
  const { request_id: _id, ...rest } = body.error;
  return rest;
}

describe.each(STORES)("revoked keys still in use, on %s", (store) => {
  let ks: TestKeyService;
  beforeAll(async () => {
    ks = await startTestKeyService(store, { metrics: { host: "127.0.0.1", port: 0 } });
  });
  afterAll(async () => {
    await ks?.close();
  });

  const metric = async (status: string): Promise<number> => {
    const text = await (await fetch(ks.service.metricsUrl ?? "")).text();
    const line = new RegExp(
      `^ayra_keys_service_revoked_key_attempts_total\\{status="${status}"\\} (\\d+)$`,
      "m",
    ).exec(text);
    return Number(line?.[1] ?? Number.NaN);
  };
  const usage = async (id: string) =>
    (await ks.call("GET", `/v1/api_keys/${id}/usage`, { key: ks.adminKey })).body as unknown as {
      revoked_attempts: number;
      last_revoked_attempt_at: string | null;
    };
  const auditOf = async (id: string) =>
    (
      await ks.call("GET", `/v1/audit_events?key_id=${id}&action=api_key.revoked_key_used&limit=100`, {
        key: ks.adminKey,
      })
    ).body.data as unknown as {
      request_id: string;
      ip?: string;
      actor_key_id: string | null;
      details: Record<string, unknown>;
    }[];

  it("answers a revoked key 10 times as an unknown key, counts all 10 and audits once a minute", async () => {
    const key = await createKey(ks, { name: "Billing Worker", environment: "live", scopes: READ });
    expect(await usage(key.id)).toMatchObject({ revoked_attempts: 0, last_revoked_attempt_at: null });
    const revoked = await ks.call("POST", `/v1/api_keys/${key.id}/revoke`, {
      key: ks.adminKey,
      body: { reason: "compromised" },
    });
    expect(revoked.status).toBe(200);
    const before = await metric("revoked");

    const unknown = await ks.call("GET", "/v1/api_keys?limit=1", { key: UNKNOWN });
    expect(unknown.status).toBe(401);
    const requestIds: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await ks.call("GET", "/v1/api_keys?limit=1", { key: key.secret });
      expect(res.status).toBe(401);
      // Same code, type and message as the unknown key: nothing says this one existed.
      expect(withoutRequestId(res.body)).toEqual(withoutRequestId(unknown.body));
      expect([...res.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
      requestIds.push(String(res.headers.get("x-request-id")));
    }

    expect(await metric("revoked")).toBe(before + 10);
    const counted = await waitFor("the 10 attempts in usage", async () => {
      const u = await usage(key.id);
      return u.revoked_attempts === 10 ? u : undefined;
    });
    expect(Date.parse(String(counted.last_revoked_attempt_at))).toBeLessThanOrEqual(ks.clock.now());
    // Within one minute: one audit event, naming the first attempt's request and address.
    const events = await auditOf(key.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      request_id: requestIds[0],
      ip: "127.0.0.1",
      actor_key_id: null,
      details: { key_status: "revoked", via: "authentication" },
    });

    // A minute later the next attempt is audited again; the count stays exact.
    ks.clock.advance(61_000);
    const again = await ks.call("GET", "/v1/api_keys?limit=1", { key: key.secret });
    expect(again.status).toBe(401);
    await waitFor("the 11th attempt counted", async () => (await usage(key.id)).revoked_attempts === 11);
    const later = await auditOf(key.id);
    expect(later.map((e) => e.request_id)).toEqual([requestIds[0], again.headers.get("x-request-id")]);
  });

  it("counts an expired key presented to introspection, which still answers only inactive", async () => {
    const key = await createKey(ks, {
      name: "Reporting Export",
      environment: "live",
      scopes: READ,
      expires_at: new Date(ks.clock.now() + 3_600_000).toISOString(),
    });
    ks.clock.advance(3_600_001);
    const before = await metric("expired");
    const res = await ks.call("POST", "/v1/api_keys/introspect", {
      key: ks.adminKey,
      body: { key: key.secret },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
    expect(await metric("expired")).toBe(before + 1);
    await waitFor("the attempt counted", async () => (await usage(key.id)).revoked_attempts === 1);
    const [event] = await auditOf(key.id);
    expect(event).toMatchObject({
      request_id: res.headers.get("x-request-id"),
      details: { key_status: "expired", via: "introspection" },
    });
    // An unknown key counts nowhere.
    const unknownBefore = (await metric("revoked")) + (await metric("expired"));
    await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: UNKNOWN } });
    expect((await metric("revoked")) + (await metric("expired"))).toBe(unknownBefore);
  });

  it("keeps the audit list filters strict and the revoked key's value out of every log line", async () => {
    const bad = await ks.call("GET", "/v1/audit_events?action=api_key.stolen", { key: ks.adminKey });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "invalid_filter", param: "action" });
    const since = new Date(ks.clock.now() + 3_600_000).toISOString();
    const none = await ks.call("GET", `/v1/audit_events?created_after=${since}`, { key: ks.adminKey });
    expect(none.body.data).toEqual([]);
    await ks.service.deps.usage.flush();
    const all = ks.logs.join("\n");
    expect(all).not.toMatch(/sk_(live|test)_[A-Za-z0-9]{50}/);
  });
});
