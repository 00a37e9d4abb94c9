// Hostile and broken input on both stores: each gets the documented status and error code naming the
// parameter, never a 500 or a stack trace, and nothing stored changes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "../../../core/domain/index.ts";
import { createKey, STORES, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";

interface Case {
  name: string;
  method?: string;
  path?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** "admin" (default), "none", or a function of the fixture returning the bearer key. */
  auth?: "admin" | "none" | ((f: Fixture) => string);
  status: number;
  code: string;
  param?: string;
}

interface Fixture {
  keyId: string;
  forged: string;
  checksumBroken: string;
}

const valid = { name: "Hostile input target", environment: "test", scopes: ["agents:read"] };

const cases: Case[] = [
  { name: "invalid JSON", rawBody: '{"name": "x",', status: 400, code: "invalid_json" },
  { name: "a JSON array instead of an object", body: [valid], status: 400, code: "invalid_request" },
  {
    name: "a 10 MB body",
    rawBody: `{"name":"${"x".repeat(10 * 1024 * 1024)}"}`,
    status: 413,
    code: "body_too_large",
  },
  {
    name: "a body that is not JSON by Content-Type",
    rawBody: "name=x",
    headers: { "content-type": "text/plain" },
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "a name of the wrong type",
    body: { ...valid, name: 42 },
    status: 400,
    code: "invalid_name",
    param: "name",
  },
  {
    name: "an empty name",
    body: { ...valid, name: "   " },
    status: 400,
    code: "invalid_name",
    param: "name",
  },
  {
    name: "a name of 101 characters",
    body: { ...valid, name: "n".repeat(101) },
    status: 400,
    code: "invalid_name",
    param: "name",
  },
  {
    name: "a name with control characters",
    body: { ...valid, name: "Web\u0000App" },
    status: 400,
    code: "invalid_name",
    param: "name",
  },
  {
    name: "an unknown scope",
    body: { ...valid, scopes: ["agents:read", "agents:delete"] },
    status: 400,
    code: "invalid_scope",
    param: "scopes[1]",
  },
  {
    name: "a repeated scope",
    body: { ...valid, scopes: ["agents:read", "agents:read"] },
    status: 400,
    code: "invalid_scope",
    param: "scopes[1]",
  },
  { name: "no scopes", body: { ...valid, scopes: [] }, status: 400, code: "invalid_scope", param: "scopes" },
  {
    name: "scopes as a string",
    body: { ...valid, scopes: "agents:read" },
    status: 400,
    code: "invalid_scope",
    param: "scopes",
  },
  {
    name: "an unknown environment",
    body: { ...valid, environment: "prod" },
    status: 400,
    code: "invalid_environment",
    param: "environment",
  },
  {
    name: "an expiry in the past",
    body: { ...valid, expires_at: "2020-01-01T00:00:00Z" },
    status: 400,
    code: "expires_at_in_past",
    param: "expires_at",
  },
  {
    name: "an expiry that is not a date",
    body: { ...valid, expires_at: "next tuesday" },
    status: 400,
    code: "invalid_expires_at",
    param: "expires_at",
  },
  {
    name: "an unknown field",
    body: { ...valid, owner: "me" },
    status: 400,
    code: "invalid_request",
    param: "owner",
  },
  {
    name: "metadata with 21 keys",
    body: { ...valid, metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])) },
    status: 400,
    code: "invalid_metadata",
  },
  {
    name: "a metadata value that is not a string",
    body: { ...valid, metadata: { team: 7 } },
    status: 400,
    code: "invalid_metadata",
    param: "metadata.team",
  },
  {
    name: "a limit of 0",
    method: "GET",
    path: "/v1/api_keys?limit=0",
    status: 400,
    code: "invalid_limit",
    param: "limit",
  },
  {
    name: "a limit of 101",
    method: "GET",
    path: "/v1/api_keys?limit=101",
    status: 400,
    code: "invalid_limit",
    param: "limit",
  },
  {
    name: "a garbage cursor",
    method: "GET",
    path: "/v1/api_keys?starting_after=not-a-cursor",
    status: 400,
    code: "invalid_cursor",
    param: "starting_after",
  },
  {
    name: "a key id as cursor",
    method: "GET",
    path: "/v1/api_keys?starting_after=key_AAAAAAAAAAAAAAAAAAAAAAAA",
    status: 400,
    code: "invalid_cursor",
  },
  {
    name: "updated_after that is not a time",
    method: "GET",
    path: "/v1/api_keys?updated_after=yesterday",
    status: 400,
    code: "invalid_filter",
    param: "updated_after",
  },
  {
    name: "an unknown status filter",
    method: "GET",
    path: "/v1/api_keys?status=deleted",
    status: 400,
    code: "invalid_filter",
    param: "status",
  },
  {
    name: "a forged key as Bearer",
    method: "GET",
    path: "/v1/api_keys",
    auth: (f) => f.forged,
    status: 401,
    code: "invalid_api_key",
  },
  {
    name: "a checksum-broken key as Bearer",
    method: "GET",
    path: "/v1/api_keys",
    auth: (f) => f.checksumBroken,
    status: 401,
    code: "invalid_api_key",
  },
  {
    name: "a Basic authorization header",
    method: "GET",
    path: "/v1/api_keys",
    headers: { authorization: "Basic YWRtaW46YWRtaW4=" },
    auth: "none",
    status: 401,
    code: "invalid_api_key",
  },
  {
    name: "SQL as a Bearer token",
    method: "GET",
    path: "/v1/api_keys",
    auth: () => "' OR 1=1 --",
    status: 401,
    code: "invalid_api_key",
  },
  {
    name: "no Authorization header",
    method: "GET",
    path: "/v1/api_keys",
    auth: "none",
    status: 401,
    code: "missing_api_key",
  },
  {
    name: "introspecting a number",
    path: "/v1/api_keys/introspect",
    body: { key: 12345 },
    status: 400,
    code: "invalid_request",
    param: "key",
  },
  {
    name: "introspecting 10 kB of text",
    path: "/v1/api_keys/introspect",
    body: { key: "k".repeat(10_000) },
    status: 400,
    code: "invalid_request",
    param: "key",
  },
  {
    name: "a negative grace period",
    path: "roll",
    body: { grace_period_seconds: -1 },
    status: 400,
    code: "invalid_grace_period",
    param: "grace_period_seconds",
  },
  {
    name: "a fractional grace period",
    path: "roll",
    body: { grace_period_seconds: 1.5 },
    status: 400,
    code: "invalid_grace_period",
  },
  {
    name: "a grace period as a string",
    path: "roll",
    body: { grace_period_seconds: "60" },
    status: 400,
    code: "invalid_grace_period",
  },
  {
    name: "an unknown revocation reason",
    path: "revoke",
    body: { reason: "because" },
    status: 400,
    code: "invalid_reason",
    param: "reason",
  },
  {
    name: "a revocation scheduled two years ahead",
    path: "revoke",
    body: { reason: "unused", effective_at: "2099-01-01T00:00:00Z" },
    status: 400,
    code: "invalid_effective_at",
  },
  {
    name: "an unknown key id",
    method: "GET",
    path: "/v1/api_keys/key_doesnotexist0000000000000",
    status: 404,
    code: "resource_missing",
  },
  {
    name: "SQL in a key id",
    method: "GET",
    path: `/v1/api_keys/${encodeURIComponent("x'; DROP TABLE api_keys; --")}`,
    status: 404,
    code: "resource_missing",
  },
  {
    name: "an unsupported method",
    method: "DELETE",
    path: "target",
    status: 405,
    code: "method_not_allowed",
  },
  { name: "an unknown path", method: "GET", path: "/v2/keys", status: 404, code: "route_not_found" },
  {
    name: "an Idempotency-Key of 300 characters",
    body: valid,
    headers: { "idempotency-key": "i".repeat(300) },
    status: 400,
    code: "invalid_idempotency_key",
  },
  {
    name: "JSON nested 10,000 levels deep",
    rawBody: `${"[".repeat(10_000)}${"]".repeat(10_000)}`,
    status: 400,
    code: "invalid_request",
  },
  {
    name: "a PATCH of the environment",
    method: "PATCH",
    path: "target",
    body: { environment: "live" },
    status: 400,
    code: "immutable_field",
    param: "environment",
  },
];

describe.each(STORES)("hostile input on %s", (store) => {
  let ks: TestKeyService;
  let fixture: Fixture;
  let keysBefore: unknown;

  beforeAll(async () => {
    ks = await startTestKeyService(store);
    const target = await createKey(ks, valid);
    const good = generateKey("live");
    fixture = {
      keyId: target.id,
      forged: generateKey("live"),
      checksumBroken: `${good.slice(0, -1)}${good.endsWith("A") ? "B" : "A"}`,
    };
    keysBefore = (await ks.call("GET", "/v1/api_keys?limit=100", { key: ks.adminKey })).body.data;
  });
  afterAll(async () => {
    await ks?.close();
  });

  it.each(cases)("answers $status $code to $name", async (c) => {
    const path =
      c.path === "roll" || c.path === "revoke"
        ? `/v1/api_keys/${fixture.keyId}/${c.path}`
        : c.path === "target"
          ? `/v1/api_keys/${fixture.keyId}`
          : (c.path ?? "/v1/api_keys");
    const key = c.auth === "none" ? undefined : typeof c.auth === "function" ? c.auth(fixture) : ks.adminKey;
    const headers = { ...c.headers };
    if (c.rawBody !== undefined) headers["content-type"] ??= "application/json";
    const res = await ks.call(c.method ?? "POST", path, { key, body: c.body, rawBody: c.rawBody, headers });
    expect(res.status).toBe(c.status);
    expect(res.body.error.code).toBe(c.code);
    if (c.param) expect(res.body.error.param).toBe(c.param);
    expect(res.body.error.message).not.toMatch(/at .+\.ts:\d+|Error:|sk_(live|test)_[A-Za-z0-9]{20}/);
  });

  it("answers introspection of forged, broken and empty keys with inactive, never why", async () => {
    for (const key of [fixture.forged, fixture.checksumBroken, "", "sk_live_", "🔑"]) {
      const res = await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key } });
      expect(res.body).toEqual({ active: false });
    }
  });

  it("stores unicode and SQL metacharacters in names verbatim", async () => {
    const name = 'Robert\'); DROP TABLE api_keys;-- 🔑 Ünïcødé "quoted" \\ %_';
    const { id } = await createKey(ks, { ...valid, name });
    expect((await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body.name).toBe(name);
    expect(
      (await ks.call("GET", `/v1/api_keys?name=${encodeURIComponent(name)}`, { key: ks.adminKey })).body.data,
    ).toHaveLength(1);
  });

  it("changed nothing stored while refusing all of the above", async () => {
    const after = (await ks.call("GET", "/v1/api_keys?limit=100", { key: ks.adminKey })).body.data;
    // Usage moves last_used_at (and only that): compare everything else.
    const stable = (keys: { id: string; last_used_at: string | null }[]) =>
      keys.map(({ last_used_at: _, ...rest }) => rest);
    const before = keysBefore as { id: string; last_used_at: string | null }[];
    expect(stable(after.filter((k) => before.some((b) => b.id === k.id)))).toEqual(stable(before));
  });
});

describe("rate limits", () => {
  it("limits requests per key with the documented headers", async () => {
    const ks = await startTestKeyService("sqlite", { rateLimitPerSecond: 5 });
    try {
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof ks.call>> | undefined;
      for (let i = 0; i < 12 && !limited; i++) {
        const res = await ks.call("GET", "/v1/api_keys?limit=1", { key: ks.adminKey });
        statuses.push(res.status);
        if (res.status === 429) limited = res;
        else expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeLessThan(5);
      }
      expect(limited?.body.error.code).toBe("rate_limit_exceeded");
      expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(limited?.headers.get("x-ratelimit-limit")).toBe("5");
      expect(limited?.headers.get("x-ratelimit-remaining")).toBe("0");
    } finally {
      await ks.close();
    }
  });

  it("limits failed authentications per address, apart from the key limit, never refusing a valid key", async () => {
    const ks = await startTestKeyService("sqlite", { failedAuthPerMinute: 3 });
    try {
      const codes: string[] = [];
      for (let i = 0; i < 5; i++)
        codes.push((await ks.call("GET", "/v1/api_keys", { key: generateKey("test") })).body.error.code);
      expect(codes).toEqual([
        "invalid_api_key",
        "invalid_api_key",
        "invalid_api_key",
        "auth_rate_limit_exceeded",
        "auth_rate_limit_exceeded",
      ]);
      const blocked = await ks.call("GET", "/v1/api_keys", { key: generateKey("test") });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      // The same address with a valid key is checked first and admitted.
      expect((await ks.call("GET", "/v1/api_keys", { key: ks.adminKey })).status).toBe(200);
    } finally {
      await ks.close();
    }
  });
});
