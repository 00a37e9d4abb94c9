// Dashboard sessions against the real keys service on both stores: the cookie and what the store keeps,
// sign-out, expiry, revocation of the signing key, CSRF on every state change by cookie, login CSRF, and
// a session acting with exactly its key's authority. Cookies are handled by hand, as a browser would.
import { createHash } from "node:crypto";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningKeyService, startKeyService } from "../../../keyservice/key-service.ts";
import {
  type ApiCaller,
  createKey,
  makeCaller,
  STORES,
  startTestKeyService,
  type TestKeyService,
} from "../../harness/keys-service.ts";
import { expectNoSecret } from "../../harness/no-secret.ts";
import { waitFor } from "../../harness/wait.ts";
import { signIn, withSession } from "./session-client.ts";

/** The key with its last character changed — never the key itself (a fixed "x" is the key once in 62 runs). */
function wrongBy1(key: string): string {
  return `${key.slice(0, -1)}${key.endsWith("x") ? "y" : "x"}`;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe.each(STORES)("dashboard sessions on %s", (store) => {
  let ks: TestKeyService;
  /** Every key value this file made, for the canary. */
  const secrets: string[] = [];
  /** Every session response body and Set-Cookie header, for the canary. */
  const sessionResponses: string[] = [];
  let writer: { id: string; secret: string };

  const keyCount = async () =>
    Number((await ks.service.deps.db.query("SELECT count(*) AS n FROM api_keys"))[0]?.n);
  const sessionRows = () =>
    ks.service.deps.db.query<{ token_hash: string; key_id: string; csrf_hash: string; expires_at: number }>(
      "SELECT token_hash, key_id, csrf_hash, expires_at FROM sessions",
    );
  const remember = async <T extends { body: unknown; headers: Headers }>(res: T): Promise<T> => {
    sessionResponses.push(JSON.stringify(res.body), ...res.headers.getSetCookie());
    return res;
  };
  const signInRemembered = async (key: string, headers: Record<string, string> = {}) => {
    const s = await signIn(ks, key, headers);
    sessionResponses.push(JSON.stringify(s.body), s.setCookie);
    return s;
  };
  const mint = async (body: Record<string, unknown>, key = ks.adminKey) => {
    const made = await createKey(ks, body, key);
    secrets.push(made.secret);
    return made;
  };

  beforeAll(async () => {
    ks = await startTestKeyService(store, { sessionTtlMs: 60_000 });
    secrets.push(ks.adminKey);
    writer = await mint({
      name: "Dashboard writer",
      environment: "live",
      scopes: ["api_keys:write", "agents:read"],
    });
  });
  afterAll(async () => {
    await ks?.close();
  });

  it("signs in with a key and sets an HttpOnly, SameSite=Strict, Path=/ cookie, without Secure over plain HTTP", async () => {
    const s = await signInRemembered(writer.secret);
    const attributes = s.setCookie.split(";").map((p) => p.trim());
    expect(attributes.slice(1).sort()).toEqual(["HttpOnly", "Path=/", "SameSite=Strict"]);
    expect(s.body.principal).toEqual({
      id: writer.id,
      name: "Dashboard writer",
      environment: "live",
      scopes: ["agents:read", "api_keys:write"].sort(),
    });
    expect(Date.parse(s.body.expires_at) - ks.clock.now()).toBeGreaterThan(55_000);
    expect(Date.parse(s.body.expires_at) - ks.clock.now()).toBeLessThanOrEqual(60_000);
    // The cookie is an opaque token, not the key, and the store holds only hashes of it and its CSRF token.
    expectNoSecret(s.token, writer.secret);
    expect(s.token).not.toMatch(/^sk_/);
    const rows = await sessionRows();
    const mine = rows.find((r) => r.token_hash === sha256(s.token));
    expect(mine?.key_id).toBe(writer.id);
    expect(mine?.csrf_hash).toBe(sha256(s.csrf));
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(s.token);
    expect(stored).not.toContain(s.csrf);
    // GET /session gives the same session back, CSRF token included.
    const again = await remember(await withSession(ks, s)("GET", "/session"));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(s.body);
    expect(again.headers.get("cache-control")).toBe("no-store");
  });

  it("audits the sign-in as the key itself, without any key value", async () => {
    await signInRemembered(writer.secret);
    const events = await ks.call("GET", `/v1/audit_events?key_id=${writer.id}&action=api_key.signed_in`, {
      key: ks.adminKey,
    });
    expect(events.body.data.length).toBeGreaterThanOrEqual(1);
    for (const e of events.body.data) {
      expect(e.actor_key_id).toBe(writer.id);
      expect(e.target_key_id).toBe(writer.id);
    }
  });

  it("lets a signed-in browser use /v1 with the cookie, and changes only with the CSRF token", async () => {
    const s = await signInRemembered(writer.secret);
    const call = withSession(ks, s);
    const listed = await call("GET", "/v1/api_keys?limit=100");
    expect(listed.status).toBe(200);
    expect(listed.headers.get("cache-control")).toBe("no-store");
    expect(listed.body.data.map((k) => k.id)).toContain(writer.id);

    const created = await call("POST", "/v1/api_keys", {
      body: { name: "Made in the dashboard", environment: "live", scopes: ["agents:read"] },
    });
    expect(created.status).toBe(201);
    secrets.push(created.body.secret);
    const audit = await ks.call("GET", `/v1/audit_events?key_id=${created.body.id}`, { key: ks.adminKey });
    expect(audit.body.data[0]?.actor_key_id).toBe(writer.id);

    const before = await keyCount();
    const attempt = { name: "Forged", environment: "live", scopes: ["agents:read"] };
    for (const csrf of [null, "", "x".repeat(43), s.csrf.slice(0, -1)]) {
      const refused = await call("POST", "/v1/api_keys", { body: attempt, csrf });
      expect(refused.status, String(csrf)).toBe(403);
      expect(refused.body.error.code).toBe("csrf_failed");
      expect(refused.body.error.type).toBe("permission_error");
    }
    // Another session's token does not fit this session.
    const other = await signInRemembered(writer.secret);
    expect((await call("POST", "/v1/api_keys", { body: attempt, csrf: other.csrf })).body.error.code).toBe(
      "csrf_failed",
    );
    const revokeTarget = created.body.id;
    const noRevoke = await call("POST", `/v1/api_keys/${revokeTarget}/revoke`, {
      body: { reason: "unused" },
      csrf: null,
    });
    expect(noRevoke.body.error.code).toBe("csrf_failed");
    const noPatch = await call("PATCH", `/v1/api_keys/${revokeTarget}`, {
      body: { name: "Renamed" },
      csrf: null,
    });
    expect(noPatch.body.error.code).toBe("csrf_failed");
    expect(await keyCount()).toBe(before);
    const unchanged = await ks.call("GET", `/v1/api_keys/${revokeTarget}`, { key: ks.adminKey });
    expect(unchanged.body.status).toBe("active");
    expect(unchanged.body.name).toBe("Made in the dashboard");
  });

  it("refuses a request with the cookie that the browser says comes from another site, token or not", async () => {
    const s = await signInRemembered(writer.secret);
    const call = withSession(ks, s);
    const before = await keyCount();
    const body = { name: "Cross-site", environment: "live", scopes: ["agents:read"] };
    const foreign: Record<string, string>[] = [
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { origin: "http://evil.example" },
      { origin: "null" },
    ];
    for (const headers of foreign) {
      const refused = await call("POST", "/v1/api_keys", { body, headers });
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(refused.body.error.code).toBe("csrf_failed");
    }
    // A classic cross-site form post: form-encoded, foreign Origin, the cookie but no token.
    const form = await ks.call("POST", "/v1/api_keys", {
      rawBody: "name=Forged&environment=live&scopes=admin%3Afull",
      headers: {
        cookie: s.cookie,
        origin: "http://evil.example",
        "content-type": "application/x-www-form-urlencoded",
      },
    });
    expect(form.status).toBe(403);
    expect(form.body.error.code).toBe("csrf_failed");
    expect(await keyCount()).toBe(before);
    // The page's own requests pass: same origin, same-origin fetch metadata.
    const own = await call("POST", "/v1/api_keys", {
      body: { name: "Same origin", environment: "live", scopes: ["agents:read"] },
      headers: { origin: ks.url, "sec-fetch-site": "same-origin" },
    });
    expect(own.status).toBe(201);
    secrets.push(own.body.secret);
  });

  it("answers a bearer request exactly as before, cookie or not", async () => {
    const s = await signInRemembered(writer.secret);
    const made = await ks.call("POST", "/v1/api_keys", {
      key: ks.adminKey,
      body: { name: "Bearer wins", environment: "test", scopes: ["agents:read"] },
      headers: { cookie: s.cookie },
    });
    expect(made.status).toBe(201);
    secrets.push(made.body.secret);
    const audit = await ks.call("GET", `/v1/audit_events?key_id=${made.body.id}`, { key: ks.adminKey });
    const bootstrap = ks.service.bootstrap;
    expect(audit.body.data[0]?.actor_key_id).toBe(bootstrap.created ? bootstrap.keyId : "a bootstrap key");
    const bad = await ks.call("GET", "/v1/api_keys", {
      key: wrongBy1(writer.secret),
      headers: { cookie: s.cookie },
    });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe("invalid_api_key");
  });

  it("refuses a sign-in from another origin, a form, a non-management key and a wrong key", async () => {
    const before = (await sessionRows()).length;
    const foreign = await remember(
      await ks.call("POST", "/session", {
        body: { api_key: writer.secret },
        headers: { origin: "http://evil.example" },
      }),
    );
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe("csrf_failed");
    expect(foreign.headers.getSetCookie()).toEqual([]);
    const crossSite = await ks.call("POST", "/session", {
      body: { api_key: writer.secret },
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.body.error.code).toBe("csrf_failed");
    const form = await ks.call("POST", "/session", {
      rawBody: `api_key=${encodeURIComponent(writer.secret)}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe("unsupported_media_type");
    const agent = await mint({ name: "Agent only", environment: "live", scopes: ["agents:read"] });
    const notManager = await ks.call("POST", "/session", { body: { api_key: agent.secret } });
    expect(notManager.status).toBe(403);
    expect(notManager.body.error.code).toBe("insufficient_scope");
    const wrong = await remember(
      await ks.call("POST", "/session", { body: { api_key: wrongBy1(writer.secret) } }),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("invalid_api_key");
    const extra = await ks.call("POST", "/session", { body: { api_key: writer.secret, remember: true } });
    expect(extra.status).toBe(400);
    expect(extra.body.error.param).toBe("remember");
    expect((await sessionRows()).length).toBe(before);
    // From the service's own page it works.
    const own = await signInRemembered(writer.secret, { origin: ks.url, "sec-fetch-site": "same-origin" });
    expect(own.body.principal.id).toBe(writer.id);
  });

  it("ends the session on sign-out, which needs the CSRF token", async () => {
    const s = await signInRemembered(writer.secret);
    const call = withSession(ks, s);
    const refused = await call("DELETE", "/session", { csrf: null });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("csrf_failed");
    expect((await call("GET", "/session")).status).toBe(200);
    const out = await remember(await call("DELETE", "/session"));
    expect(out.status).toBe(204);
    const cleared = out.headers.getSetCookie()[0] ?? "";
    expect(cleared).toMatch(/^ayra_session=;/);
    expect(cleared).toContain("Max-Age=0");
    expect((await sessionRows()).some((r) => r.token_hash === sha256(s.token))).toBe(false);
    const after = await call("GET", "/session");
    expect(after.status).toBe(401);
    const api = await call("GET", "/v1/api_keys");
    expect(api.status).toBe(401);
    expect(api.body.error.code).toBe("invalid_api_key");
  });

  it("ends the session at its deadline, and the sweeper erases it", async () => {
    const s = await signInRemembered(writer.secret);
    const call = withSession(ks, s);
    expect((await call("GET", "/v1/api_keys?limit=1")).status).toBe(200);
    ks.clock.advance(60_001);
    expect((await call("GET", "/session")).status).toBe(401);
    expect((await call("GET", "/v1/api_keys?limit=1")).status).toBe(401);
    await waitFor(
      "the sweeper to erase the expired session",
      async () => !(await sessionRows()).some((r) => r.token_hash === sha256(s.token)),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  });

  it("ends every session of a key once that key is revoked", async () => {
    const signer = await mint({ name: "Revoked signer", environment: "live", scopes: ["api_keys:write"] });
    const s = await signInRemembered(signer.secret);
    const call = withSession(ks, s);
    expect((await call("GET", "/v1/api_keys?limit=1")).status).toBe(200);
    const revoked = await ks.call("POST", `/v1/api_keys/${signer.id}/revoke`, {
      key: ks.adminKey,
      body: { reason: "compromised" },
    });
    expect(revoked.status).toBe(200);
    expect((await call("GET", "/session")).status).toBe(401);
    const refused = await call("POST", "/v1/api_keys", {
      body: { name: "After revocation", environment: "live", scopes: ["agents:read"] },
    });
    expect(refused.status).toBe(401);
    await waitFor(
      "the sweeper to erase the revoked key's session",
      async () => !(await sessionRows()).some((r) => r.key_id === signer.id),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  });

  it("ends the session when its key expires, and never promises a session past the key's expiry", async () => {
    const expiresAt = new Date(ks.clock.now() + 30_000).toISOString();
    const signer = await mint({
      name: "Short key",
      environment: "live",
      scopes: ["api_keys:read"],
      expires_at: expiresAt,
    });
    const s = await signInRemembered(signer.secret);
    expect(s.body.expires_at).toBe(expiresAt);
    ks.clock.advance(30_001);
    expect((await withSession(ks, s)("GET", "/v1/api_keys?limit=1")).status).toBe(401);
  });

  it("gives a read-only key's session no management action", async () => {
    const reader = await mint({ name: "Reader", environment: "live", scopes: ["api_keys:read"] });
    const target = await mint({ name: "Target", environment: "live", scopes: ["agents:read"] });
    const call = withSession(ks, await signInRemembered(reader.secret));
    expect((await call("GET", "/v1/api_keys?limit=5")).status).toBe(200);
    const attempts = [
      call("POST", "/v1/api_keys", { body: { name: "Nope", environment: "live", scopes: ["agents:read"] } }),
      call("POST", `/v1/api_keys/${target.id}/roll`, { body: {} }),
      call("POST", `/v1/api_keys/${target.id}/revoke`, { body: { reason: "unused" } }),
      call("PATCH", `/v1/api_keys/${target.id}`, { body: { name: "Renamed" } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("insufficient_scope");
    }
    const unchanged = await ks.call("GET", `/v1/api_keys/${target.id}`, { key: ks.adminKey });
    expect(unchanged.body).toMatchObject({ status: "active", name: "Target", replaced_by: null });
  });

  it("shows a test key's session test keys only", async () => {
    const tester = await mint({
      name: "Tester",
      environment: "test",
      scopes: ["api_keys:write", "agents:read"],
    });
    const live = await mint({ name: "Live neighbour", environment: "live", scopes: ["agents:read"] });
    const s = await signInRemembered(tester.secret);
    expect(s.body.principal.environment).toBe("test");
    const call = withSession(ks, s);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call("GET", `/v1/api_keys?limit=100${cursor ? `&starting_after=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      for (const k of page.body.data) {
        expect(k.environment).toBe("test");
        seen.push(k.id);
      }
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toContain(tester.id);
    expect((await call("GET", `/v1/api_keys/${live.id}`)).status).toBe(404);
    const mintLive = await call("POST", "/v1/api_keys", {
      body: { name: "Live from test", environment: "live", scopes: ["agents:read"] },
    });
    expect(mintLive.status).toBe(403);
    expect(mintLive.body.error.code).toBe("environment_mismatch");
  });

  it("logs sign-ins and sign-outs with the key's id", async () => {
    const s = await signInRemembered(writer.secret);
    expect((await withSession(ks, s)("DELETE", "/session")).status).toBe(204);
    const entries = ks.logs.map((line) => JSON.parse(line) as { msg: string; actor?: string });
    expect(entries.some((e) => e.msg === "dashboard sign-in" && e.actor === writer.id)).toBe(true);
    expect(entries.some((e) => e.msg === "dashboard sign-out" && e.actor === writer.id)).toBe(true);
  });

  it("never shows a key value in logs, audit events, sessions or session responses (canary)", async () => {
    await ks.service.deps.usage.flush();
    const audit = JSON.stringify(await ks.service.deps.db.query("SELECT * FROM audit_events"));
    const sessions = JSON.stringify(await sessionRows());
    const logs = ks.logs.join("\n");
    expect(sessionResponses.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      const random = secret.slice(-50);
      for (const [where, text] of [
        ["logs", logs],
        ["audit events", audit],
        ["sessions", sessions],
        ["session responses", sessionResponses.join("\n")],
      ] as const)
        expect(text.includes(random), `${where} contain a key value`).toBe(false);
    }
  });
});

describe("a session on one node, with its key revoked on another (PostgreSQL)", () => {
  let nodeA: TestKeyService;
  let serviceB: RunningKeyService;
  let nodeB: { call: ApiCaller };
  beforeAll(async () => {
    nodeA = await startTestKeyService("postgres");
    serviceB = await startKeyService({
      database: nodeA.database,
      dataDir: nodeA.dataDir,
      keyringFile: join(nodeA.dataDir, "keyring.json"),
      port: 0,
      logger: pino({ level: "silent" }),
      show: () => undefined,
    });
    nodeB = { call: makeCaller(() => serviceB.url) };
  });
  afterAll(async () => {
    await serviceB?.close();
    await nodeA?.close();
  });

  it("signs in on one node, works on the other, and ends on both once the key is revoked", async () => {
    const signer = await createKey(nodeA, {
      name: "Roaming",
      environment: "live",
      scopes: ["api_keys:read"],
    });
    const s = await signIn(nodeA, signer.secret);
    // The browser's next request may reach the other node.
    expect((await withSession(nodeB, s)("GET", "/session")).status).toBe(200);
    expect((await withSession(nodeB, s)("GET", "/v1/api_keys?limit=1")).status).toBe(200);
    await nodeA.call("POST", `/v1/api_keys/${signer.id}/revoke`, {
      key: nodeA.adminKey,
      body: { reason: "compromised" },
    });
    expect((await withSession(nodeB, s)("GET", "/v1/api_keys?limit=1")).status).toBe(401);
    expect((await withSession(nodeA, s)("GET", "/session")).status).toBe(401);
  });

  it("signs out on one node and is signed out on the other", async () => {
    const signer = await createKey(nodeA, {
      name: "Leaving",
      environment: "live",
      scopes: ["api_keys:read"],
    });
    const s = await signIn(nodeA, signer.secret);
    expect((await withSession(nodeB, s)("GET", "/session")).status).toBe(200);
    expect((await withSession(nodeA, s)("DELETE", "/session")).status).toBe(204);
    expect((await withSession(nodeB, s)("GET", "/session")).status).toBe(401);
  });
});
