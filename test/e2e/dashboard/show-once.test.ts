// A key made on the dashboard is shown once: in the screen that made it and nowhere after — not after a
// reload, the back button or on its details page — and its value travels in no request the page makes and
// rests in no cookie or storage; the create response is the one place it appears.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORES } from "../../harness/keys-service.ts";
import { expectNoSecret } from "../../harness/no-secret.ts";
import {
  browserState,
  type DashboardFixture,
  NetworkRecorder,
  signIn,
  startDashboard,
} from "./dashboard-fixture.ts";

const SECRET = /sk_(live|test)_[A-Za-z0-9]{50}/;

async function createOnPage(page: Page, name: string): Promise<string> {
  await page.getByRole("link", { name: "Create API key" }).click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("checkbox", { name: /agents:read/ }).check();
  await page.getByRole("radio", { name: /Short term/ }).check();
  await page.getByRole("button", { name: "Generate key" }).click();
  const field = page.getByRole("textbox", { name: "New API key" });
  await field.waitFor();
  const secret = await field.inputValue();
  expect(secret).toMatch(new RegExp(`^${SECRET.source}$`));
  return secret;
}

describe.each(STORES)("the value of a key made on the dashboard, on %s", (store) => {
  let fx: DashboardFixture;
  let context: BrowserContext;
  let recorder: NetworkRecorder;
  let page: Page;
  const consoleMessages: string[] = [];

  beforeAll(async () => {
    fx = await startDashboard(store);
    context = await fx.browser.newContext();
    recorder = new NetworkRecorder(context);
    page = await signIn(context, fx.url, fx.ks.adminKey);
    page.on("console", (m) => consoleMessages.push(m.text()));
  });
  afterAll(async () => {
    await context?.close();
    await fx?.close();
  });

  it("is shown once with the seed's warning, works, and is gone after dismiss, back, reload and on its details", async () => {
    const secret = await createOnPage(page, "Production Web Application");
    await expect(page.locator("#secret-warning").textContent()).resolves.toContain(
      "displays your new API key exactly once",
    );
    const introspection = await fx.ks.call("POST", "/v1/api_keys/introspect", {
      key: fx.ks.adminKey,
      body: { key: secret },
    });
    expect(introspection.body.active).toBe(true);
    const id = introspection.body.id;
    const created = await fx.ks.call("GET", `/v1/api_keys/${id}`, { key: fx.ks.adminKey });
    expect(created.body.metadata.managed_by).toBe("ayra-keys-dashboard");

    // While shown: not in a cookie or in storage.
    const whileShown = JSON.parse(await browserState(page)) as {
      cookies: unknown;
      local: string[];
      session: string[];
    };
    expectNoSecret(JSON.stringify([whileShown.cookies, whileShown.local, whileShown.session]), secret);

    await page.getByRole("button", { name: /hide it/ }).click();
    await page.waitForURL(new RegExp(`#/keys/${id}$`));
    await page.getByTestId("key-status").waitFor();
    expectNoSecret(await page.content(), secret);
    expect(await page.locator("main").textContent()).toContain(created.body.redacted);

    await page.goBack();
    await page.getByRole("button", { name: "Generate key" }).waitFor();
    expectNoSecret(await browserState(page), secret);

    await page.reload();
    await page.getByRole("button", { name: "Generate key" }).waitFor();
    expectNoSecret(await browserState(page), secret);

    await page.goto(`${fx.url}/#/keys/${id}`);
    await page.getByTestId("key-status").waitFor();
    expectNoSecret(await browserState(page), secret);
  });

  it("is gone when the page is reloaded while it is shown, and from the page's memory once dismissed", async () => {
    const secret = await createOnPage(page, "Mobile App - iOS");
    await page.reload();
    await page.getByRole("button", { name: "Generate key" }).waitFor();
    expectNoSecret(await browserState(page), secret);

    const again = await createOnPage(page, "Analytics Dashboard");
    await page.getByRole("button", { name: /hide it/ }).click();
    await page.getByTestId("key-status").waitFor();
    // A heap snapshot after a full collection holds every string the page can still reach.
    const cdp = await context.newCDPSession(page);
    await cdp.send("HeapProfiler.enable");
    await cdp.send("HeapProfiler.collectGarbage");
    const chunks: string[] = [];
    cdp.on("HeapProfiler.addHeapSnapshotChunk", (e) => chunks.push(e.chunk));
    await cdp.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    await cdp.detach();
    expect(chunks.join("").length).toBeGreaterThan(10_000);
    expectNoSecret(chunks.join(""), again);
  });

  it("appears in no request, no other response, no cookie and no storage; the session cookie is HTTP-only and strict", async () => {
    const exchanges = await recorder.settle();
    const creates = exchanges.filter(
      (e) => e.method === "POST" && new URL(e.url).pathname === "/v1/api_keys",
    );
    expect(creates.length).toBe(3);
    for (const create of creates) {
      expect(create.status).toBe(201);
      expect(create.responseBody).toMatch(SECRET);
      expect(create.requestHeaders["x-csrf-token"]).toMatch(/.+/);
    }
    const secrets = creates.map((c) => SECRET.exec(c.responseBody)?.[0] ?? "");
    for (const exchange of exchanges) {
      const sent = JSON.stringify([exchange.url, exchange.requestHeaders, exchange.requestBody]);
      const received = JSON.stringify([
        exchange.responseHeaders,
        creates.includes(exchange) ? "" : exchange.responseBody,
      ]);
      for (const secret of secrets) {
        expectNoSecret(sent, secret, `${exchange.method} ${exchange.url}`);
        expectNoSecret(received, secret, `${exchange.method} ${exchange.url}`);
      }
      // The management key signed in once, in the POST /session body, and nowhere else.
      if (!(exchange.method === "POST" && new URL(exchange.url).pathname === "/session"))
        expectNoSecret(sent + received, fx.ks.adminKey);
    }
    const state = await browserState(page);
    for (const secret of [...secrets, fx.ks.adminKey]) expectNoSecret(state, secret);
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(["ayra_session"]);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(consoleMessages.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
  });
});
