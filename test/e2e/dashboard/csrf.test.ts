// Another site cannot act with a signed-in browser's session: a form another origin posts to the keys API is
// refused (cross-site, the SameSite=Strict cookie is not even sent; same-site on another port, the cookie
// arrives and the CSRF check refuses it), and the page's own origin is refused a change without the session's
// X-CSRF-Token. Nothing is created either way.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORES } from "../../harness/keys-service.ts";
import { type DashboardFixture, signIn, startDashboard } from "./dashboard-fixture.ts";

/** A page on another origin with a form that posts a key-creating body to the keys service. */
async function attackerSite(target: string, name: string): Promise<{ server: Server; port: number }> {
  const field = JSON.stringify({ name, environment: "live", scopes: ["admin:full"], pad: "" }).slice(0, -2);
  const html = `<!doctype html><html lang="en"><title>Win a prize</title><form method="POST" action="${target}/v1/api_keys" enctype="text/plain"><input type="hidden" name='${field}' value='"}'><button>Claim</button></form></html>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function keysNamed(fx: DashboardFixture, name: string): Promise<number> {
  const res = await fx.ks.call("GET", `/v1/api_keys?name=${encodeURIComponent(name)}`, {
    key: fx.ks.adminKey,
  });
  return res.body.data.length;
}

describe.each(STORES)("cross-site requests with a signed-in browser, on %s", (store) => {
  let fx: DashboardFixture;
  let context: BrowserContext;
  let page: Page;
  const servers: Server[] = [];

  beforeAll(async () => {
    fx = await startDashboard(store);
    context = await fx.browser.newContext();
    page = await signIn(context, fx.url, fx.ks.adminKey);
  });
  afterAll(async () => {
    for (const server of servers) server.close();
    await context?.close();
    await fx?.close();
  });

  const postFrom = async (origin: "localhost" | "127.0.0.1", name: string) => {
    const site = await attackerSite(fx.url, name);
    servers.push(site.server);
    const attacker = await context.newPage();
    await attacker.goto(`http://${origin}:${site.port}/`);
    const [response] = await Promise.all([
      attacker.waitForResponse((r) => r.url() === `${fx.url}/v1/api_keys` && r.request().method() === "POST"),
      attacker.getByRole("button", { name: "Claim" }).click(),
    ]);
    const result = { status: response.status(), body: await response.text() };
    await attacker.close();
    return result;
  };

  it("refuses a form another site posts", async () => {
    expect(new URL(fx.url).hostname).toBe("127.0.0.1");
    const { status, body } = await postFrom("localhost", "Cross-site form");
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(body).not.toContain('"secret"');
    expect(await keysNamed(fx, "Cross-site form")).toBe(0);
  });

  it("refuses a form posted from another port of the same host, which does carry the cookie", async () => {
    const { status, body } = await postFrom("127.0.0.1", "Same-site form");
    expect(status).toBe(403);
    expect(JSON.parse(body).error.code).toBe("csrf_failed");
    expect(await keysNamed(fx, "Same-site form")).toBe(0);
  });

  it("refuses a change from the page's own origin without the session's X-CSRF-Token, or with a wrong one", async () => {
    const attempt = (token: string | null) =>
      page.evaluate(async (csrf) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (csrf !== null) headers["x-csrf-token"] = csrf;
        const res = await fetch("/v1/api_keys", {
          method: "POST",
          headers,
          body: JSON.stringify({ name: "No token", environment: "live", scopes: ["agents:read"] }),
        });
        return { status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code };
      }, token);
    await expect(attempt(null)).resolves.toEqual({ status: 403, code: "csrf_failed" });
    await expect(attempt("0".repeat(43))).resolves.toEqual({ status: 403, code: "csrf_failed" });
    expect(await keysNamed(fx, "No token")).toBe(0);
    // The same request with the session's token goes through: the refusals above are the CSRF check's.
    const ok = await page.evaluate(async () => {
      const session = (await (await fetch("/session")).json()) as { csrf_token: string };
      const res = await fetch("/v1/api_keys", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrf_token },
        body: JSON.stringify({ name: "With token", environment: "test", scopes: ["agents:read"] }),
      });
      return res.status;
    });
    expect(ok).toBe(201);
  });

  it("signs out from the page: back to sign-in, and the old session cookie no longer reads keys", async () => {
    const cookie = (await context.cookies()).find((c) => c.name === "ayra_session");
    expect(cookie?.value).toMatch(/.+/);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Management API key").waitFor();
    const replay = await fetch(`${fx.url}/v1/api_keys?limit=1`, {
      headers: { cookie: `ayra_session=${cookie?.value}` },
    });
    expect(replay.status).toBe(401);
    await page.reload();
    await page.getByLabel("Management API key").waitFor();
  });
});
