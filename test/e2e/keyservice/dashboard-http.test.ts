// The dashboard's page as the keys service serves it, on both stores: index.html and hashed assets with the
// page's security headers and the right caching, only files of the bundle (no traversal, nothing added
// later, no symlink out), a 503 saying how to build when the bundle is missing, the Secure cookie behind a
// trusted TLS proxy, and the sign-in limit on failed attempts.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultWebDir } from "../../../keyservice/http/static-bundle.ts";
import { STORES, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { makeTempDir, removeTempDir } from "../../harness/temp-dirs.ts";

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const INDEX =
  '<!doctype html><html lang="en"><head><script type="module" src="/assets/app-7QK3ZB2M.js"></script></head><body></body></html>';
const SCRIPT = "document.body.textContent = 'dashboard';\n";

/** A raw request, so the path reaches the server exactly as written (fetch would normalise `..`). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: "GET", path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function expectPageHeaders(headers: Headers): void {
  expect(headers.get("content-security-policy")).toBe(CSP);
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("referrer-policy")).toBe("no-referrer");
  expect(headers.get("x-frame-options")).toBe("DENY");
}

describe.each(STORES)("the dashboard's page on %s", (store) => {
  let ks: TestKeyService;
  let web: string;
  let outside: string;

  beforeAll(async () => {
    web = await makeTempDir("ayra-keys-web-");
    outside = await makeTempDir("ayra-keys-outside-");
    mkdirSync(join(web, "assets", "fonts"), { recursive: true });
    writeFileSync(join(web, "index.html"), INDEX);
    writeFileSync(join(web, "assets", "app-7QK3ZB2M.js"), SCRIPT);
    writeFileSync(join(web, "assets", "app-7QK3ZB2M.css"), "body{margin:0}");
    writeFileSync(
      join(web, "assets", "fonts", "inter-X2K9PQ4A.woff2"),
      Buffer.from([0x77, 0x4f, 0x46, 0x32]),
    );
    writeFileSync(join(web, "assets", "logo.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
    writeFileSync(join(outside, "secret.txt"), "not part of the bundle");
    symlinkSync(join(outside, "secret.txt"), join(web, "assets", "linked.txt"));
    ks = await startTestKeyService(store, { webDir: web });
  });
  afterAll(async () => {
    await ks?.close();
    await removeTempDir(web);
    await removeTempDir(outside);
  });

  it("serves index.html at / with the page's security headers, never cached", async () => {
    const res = await fetch(`${ks.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expectPageHeaders(res.headers);
    expect(await res.text()).toBe(INDEX);
    const head = await fetch(`${ks.url}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(Buffer.byteLength(INDEX)));
  });

  it("serves hashed assets as immutable with their content types, and unhashed ones revalidated", async () => {
    const cases = [
      ["/assets/app-7QK3ZB2M.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"],
      ["/assets/app-7QK3ZB2M.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"],
      ["/assets/fonts/inter-X2K9PQ4A.woff2", "font/woff2", "public, max-age=31536000, immutable"],
      ["/assets/logo.svg", "image/svg+xml", "no-cache"],
    ] as const;
    for (const [path, type, cache] of cases) {
      const res = await fetch(`${ks.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe(type);
      expect(res.headers.get("cache-control"), path).toBe(cache);
      expectPageHeaders(res.headers);
    }
    expect(await (await fetch(`${ks.url}/assets/app-7QK3ZB2M.js?v=1`)).text()).toBe(SCRIPT);
  });

  it("serves only the bundle's own files: no traversal, no symlink out, nothing added after start", async () => {
    writeFileSync(join(web, "assets", "late-ABCDEFGH.js"), "added later");
    for (const path of [
      "/assets/../index.html",
      "/assets/%2e%2e/index.html",
      "/assets/..%2f..%2fpackage.json",
      "/assets/../../../../etc/passwd",
      "/assets//etc/passwd",
      "/assets/",
      "/assets/linked.txt",
      "/assets/late-ABCDEFGH.js",
      "/assets/APP-7QK3ZB2M.JS",
      "/assets/app-7QK3ZB2M.js%00.txt",
    ]) {
      const res = await rawGet(ks.url, path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain("not part of the bundle");
      expect(res.body, path).not.toContain("added later");
    }
    const notFound = await fetch(`${ks.url}/assets/missing.js`);
    expectPageHeaders(notFound.headers);
    // Only / and /assets/ belong to the page; other paths stay the API's.
    const other = await fetch(`${ks.url}/index.html`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("route_not_found");
  });

  it("keeps the API's answers JSON and uncached next to the page", async () => {
    const res = await ks.call("GET", "/v1/api_keys?limit=1", { key: ks.adminKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const session = await ks.call("GET", "/session");
    expect(session.status).toBe(401);
    expect(session.headers.get("cache-control")).toBe("no-store");
  });
});

describe("the dashboard without a built bundle", () => {
  let ks: TestKeyService;
  let web: string;
  beforeAll(async () => {
    web = await makeTempDir("ayra-keys-web-");
    ks = await startTestKeyService("sqlite", { webDir: web });
  });
  afterAll(async () => {
    await ks?.close();
    await removeTempDir(web);
  });

  it("answers 503 with how to build it, keeps the API working, and serves the page once it is built", async () => {
    const res = await fetch(`${ks.url}/`);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toContain("npm run build");
    expectPageHeaders(res.headers);
    expect((await fetch(`${ks.url}/assets/app.js`)).status).toBe(404);
    expect((await ks.call("GET", "/v1/api_keys?limit=1", { key: ks.adminKey })).status).toBe(200);
    writeFileSync(join(web, "index.html"), INDEX);
    const built = await fetch(`${ks.url}/`);
    expect(built.status).toBe(200);
    expect(await built.text()).toBe(INDEX);
  });

  it("looks for the bundle in the package's web/dist by default", () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
    expect(defaultWebDir()).toBe(join(root, "web", "dist"));
  });
});

describe.each(STORES)("the session cookie behind a TLS proxy, and the sign-in limit, on %s", (store) => {
  let ks: TestKeyService;
  beforeAll(async () => {
    ks = await startTestKeyService(store, { trustedProxies: ["127.0.0.1", "::1"], failedAuthPerMinute: 3 });
  });
  afterAll(async () => {
    await ks?.close();
  });

  it("marks the cookie Secure when a trusted proxy says the browser used https, and only then", async () => {
    const viaTls = await ks.call("POST", "/session", {
      body: { api_key: ks.adminKey },
      headers: { "x-forwarded-proto": "https" },
    });
    expect(viaTls.status).toBe(201);
    expect(viaTls.headers.getSetCookie()[0]).toMatch(/; Secure$/);
    const plain = await ks.call("POST", "/session", { body: { api_key: ks.adminKey } });
    expect(plain.headers.getSetCookie()[0]).not.toContain("Secure");
  });

  it("limits failed sign-ins per address like failed authentications, and never a valid key", async () => {
    const wrong = { api_key: `${ks.adminKey.slice(0, -1)}${ks.adminKey.endsWith("x") ? "y" : "x"}` };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await ks.call("POST", "/session", { body: wrong })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const limited = await ks.call("POST", "/session", { body: wrong });
    expect(limited.body.error.code).toBe("auth_rate_limit_exceeded");
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await ks.call("POST", "/session", { body: { api_key: ks.adminKey } })).status).toBe(201);
  });
});
