// The page shows each signed-in key what the keys API lets it see and do, and nothing else: a read-only key
// gets no management action (and the API refuses one tried anyway); a test key sees test keys only.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, STORES } from "../../harness/keys-service.ts";
import { type DashboardFixture, NetworkRecorder, signIn, startDashboard } from "./dashboard-fixture.ts";

/** The ids of the rows the list shows (every page of rows). */
async function listedIds(page: Page): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    ids.push(
      ...(await page
        .locator("tr[data-key-id]")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key-id") ?? ""))),
    );
    const next = page.getByRole("button", { name: "Next" });
    if ((await next.count()) === 0 || (await next.isDisabled())) return ids;
    await next.click();
  }
}

/** A state change the page's own code did not offer, sent with the session's CSRF token from the page. */
async function createFromPage(page: Page, environment: string): Promise<{ status: number; code: string }> {
  return page.evaluate(async (env) => {
    const session = (await (await fetch("/session")).json()) as { csrf_token: string };
    const res = await fetch("/v1/api_keys", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": session.csrf_token },
      body: JSON.stringify({ name: "Not allowed", environment: env, scopes: ["agents:read"] }),
    });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code ?? "" };
  }, environment);
}

describe.each(STORES)("what each signed-in key sees, on %s", (store) => {
  let fx: DashboardFixture;
  const live: string[] = [];
  const test: string[] = [];
  let reader: string;
  let testWriter: string;

  beforeAll(async () => {
    fx = await startDashboard(store);
    reader = (
      await createKey(fx.ks, { name: "Audit reader", environment: "live", scopes: ["api_keys:read"] })
    ).secret;
    const tw = await createKey(fx.ks, {
      name: "Sandbox manager",
      environment: "test",
      scopes: ["api_keys:write", "agents:read"],
    });
    testWriter = tw.secret;
    test.push(tw.id);
    for (let i = 0; i < 3; i++) {
      live.push(
        (await createKey(fx.ks, { name: `Live ${i}`, environment: "live", scopes: ["agents:read"] })).id,
      );
      test.push(
        (await createKey(fx.ks, { name: `Sandbox ${i}`, environment: "test", scopes: ["agents:read"] })).id,
      );
    }
  });
  afterAll(async () => {
    await fx?.close();
  });

  describe("a read-only key", () => {
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      context = await fx.browser.newContext();
      page = await signIn(context, fx.url, reader);
    });
    afterAll(async () => context?.close());

    it("sees every key but no create link and no action on a key", async () => {
      const ids = await listedIds(page);
      for (const id of [...live, ...test]) expect(ids).toContain(id);
      expect(await page.getByRole("link", { name: "Create API key" }).count()).toBe(0);
      await page.goto(`${fx.url}/#/keys/${live[0]}`);
      await page.getByTestId("key-status").waitFor();
      for (const name of ["Regenerate…", "Edit…", "Revoke…"])
        expect(await page.getByRole("button", { name }).count()).toBe(0);
      expect(await page.getByRole("heading", { name: "Actions" }).count()).toBe(0);
      await page.goto(`${fx.url}/#/new`);
      await expect(page.locator("main").textContent()).resolves.toContain(
        "can read API keys but not create them",
      );
      expect(await page.getByRole("button", { name: "Generate key" }).count()).toBe(0);
    });

    it("is refused by the API when a change is tried anyway", async () => {
      await expect(createFromPage(page, "live")).resolves.toEqual({
        status: 403,
        code: "insufficient_scope",
      });
    });
  });

  describe("a test key", () => {
    let context: BrowserContext;
    let recorder: NetworkRecorder;
    let page: Page;
    beforeAll(async () => {
      context = await fx.browser.newContext();
      recorder = new NetworkRecorder(context);
      page = await signIn(context, fx.url, testWriter);
    });
    afterAll(async () => context?.close());

    it("sees exactly the test keys, and no live key in anything the page received", async () => {
      await page.getByTestId("key-count").filter({ hasNotText: "loading more" }).waitFor();
      const ids = await listedIds(page);
      expect(new Set(ids)).toEqual(new Set(test));
      await page.goto(`${fx.url}/#/keys/${live[0]}`);
      await page.getByRole("alert").filter({ hasText: "No such key" }).waitFor();
      await page.goto(`${fx.url}/#/timeline`);
      await page.getByRole("heading", { name: "Expiry timeline" }).waitFor();
      // A 404 repeats the id the page asked for; any other mention of a live key would be a leak.
      const leaks = (await recorder.settle()).flatMap((e) =>
        live
          .filter((id) => !e.url.includes(id) && e.responseBody.includes(id))
          .map((id) => `${id} in ${e.url}`),
      );
      expect(leaks).toEqual([]);
    });

    it("is offered test keys only when creating, and the API refuses a live one", async () => {
      await page.goto(`${fx.url}/#/new`);
      await page.getByRole("button", { name: "Generate key" }).waitFor();
      const environments = await page.getByRole("radio", { name: /Live|Test/ }).allTextContents();
      expect(await page.getByRole("radio", { name: /Live \(Production\)/ }).count()).toBe(0);
      expect(await page.getByRole("radio", { name: /Test \(Sandbox\)/ }).count()).toBe(1);
      expect(environments.length).toBeLessThanOrEqual(1);
      await page.goto(`${fx.url}/#/keys`);
      const options = await page.getByLabel("Environment").locator("option").allTextContents();
      expect(options).toEqual(["All", "Test"]);
      await expect(createFromPage(page, "live")).resolves.toEqual({
        status: 403,
        code: "environment_mismatch",
      });
    });
  });
});
