// The key list as the seed shows it, searched, filtered and sorted in the page over every key (more than one
// page of the API and of rows), exported as the registry (CSV and JSON), and the expiry timeline.
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, STORES } from "../../harness/keys-service.ts";
import { type DashboardFixture, keyRow, signIn, startDashboard } from "./dashboard-fixture.ts";

const DAY = 86_400_000;

describe.each(STORES)("the key list, on %s", (store) => {
  let fx: DashboardFixture;
  let context: BrowserContext;
  let page: Page;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    fx = await startDashboard(store);
    // 130 keys: more than one page of the list API (100) and of rows (50).
    for (let i = 0; i < 125; i++)
      await createKey(fx.ks, {
        name: `Worker ${String(i).padStart(3, "0")}`,
        environment: i % 2 === 0 ? "live" : "test",
        scopes: ["agents:read"],
        expires_at: new Date(Date.now() + (40 + i) * DAY).toISOString(),
      });
    ids.soon = (
      await createKey(fx.ks, {
        name: "Contractor Portal",
        environment: "live",
        scopes: ["contacts:read"],
        expires_at: new Date(Date.now() + 3 * DAY).toISOString(),
      })
    ).id;
    ids.formula = (
      await createKey(fx.ks, {
        name: '=HYPERLINK("http://evil")',
        environment: "live",
        scopes: ["agents:read"],
        metadata: { owner: "@ops" },
      })
    ).id;
    ids.managed = (
      await createKey(fx.ks, {
        name: "Payments (controller)",
        environment: "live",
        scopes: ["agents:read"],
        metadata: { managed_by: "ayra-keys-controller", k8s_namespace: "payments", k8s_name: "api" },
      })
    ).id;
    const revoked = await createKey(fx.ks, {
      name: "Departed Dev Key",
      environment: "test",
      scopes: ["agents:read"],
    });
    ids.revoked = revoked.id;
    await fx.ks.call("POST", `/v1/api_keys/${revoked.id}/revoke`, {
      key: fx.ks.adminKey,
      body: { reason: "employee_departure" },
    });
    context = await fx.browser.newContext({ acceptDownloads: true });
    page = await signIn(context, fx.url, fx.ks.adminKey);
    await page
      .getByTestId("key-count")
      .filter({ hasText: "130 of 130 keys" })
      .filter({ hasNotText: "loading" })
      .waitFor();
  });
  afterAll(async () => {
    await context?.close();
    await fx?.close();
  });

  const count = () => page.getByTestId("key-count").textContent();

  it("shows each key as the seed does, revoked with its reason and managed keys with their manifest", async () => {
    await page.getByLabel("Search").fill("departed");
    await expect(keyRow(page, ids.revoked ?? "").textContent()).resolves.toMatch(
      /Departed Dev Key.*sk_test_\w{6}\.\.\.\w{4}.*Test.*agents:read.*Revoked: Employee departure.*Unmanaged/,
    );
    await page.getByLabel("Search").fill("payments");
    await expect(keyRow(page, ids.managed ?? "").textContent()).resolves.toContain("Controller payments/api");
  });

  it("searches, filters and sorts across every page", async () => {
    await page.getByLabel("Search").fill("worker");
    await expect(count()).resolves.toMatch(/^125 of 130 keys/);
    await page.getByLabel("Search").fill("portal contractor");
    await expect(count()).resolves.toMatch(/^1 of 130 keys/);
    await page.getByLabel("Search").fill("");
    await page.getByLabel("Environment").selectOption("test");
    await page.getByLabel("Status").selectOption("revoked");
    await expect(count()).resolves.toMatch(/^1 of 130 keys/);
    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Environment").selectOption("");
    await page.getByLabel("Managed by").selectOption("controller");
    await expect(count()).resolves.toMatch(/^1 of 130 keys/);
    await page.getByLabel("Managed by").selectOption("");
    await page.getByLabel("Scope").selectOption("contacts:read");
    await expect(count()).resolves.toMatch(/^1 of 130 keys/);
    await page.getByLabel("Scope").selectOption("");

    await page.getByRole("button", { name: "Expires" }).click();
    await expect(page.locator("tbody tr").first().textContent()).resolves.toContain("Contractor Portal");
    await expect(page.getByRole("columnheader", { name: "Expires" }).getAttribute("aria-sort")).resolves.toBe(
      "ascending",
    );
    await page.getByRole("button", { name: "Name" }).click();
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText("Page 3 of 3").waitFor();
    const names = await page.locator("tbody th").allTextContents();
    expect(names.length).toBe(30);
    expect([...names].sort((a, b) => a.localeCompare(b))).toEqual(names);
    expect(names.at(-1)).toBe("Worker 124");
  });

  it("exports the registry as CSV and JSON, never with a key value, and defuses spreadsheet formulas", async () => {
    await page.getByLabel("Search").fill("");
    await page.getByTestId("key-count").filter({ hasText: "130 of 130 keys" }).waitFor();
    const [csvDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    const csv = await readFile((await csvDownload.path()) ?? "", "utf8");
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(130);
    const formula = rows.find((r) => r.id === ids.formula);
    expect(formula?.name).toBe(`'=HYPERLINK("http://evil")`);
    expect(formula?.owner).toBe("'@ops");
    expect(rows.find((r) => r.id === ids.managed)).toMatchObject({
      managed_by: "controller",
      declared_in: "payments/api",
      environment: "live",
    });
    expect(csv).not.toMatch(/sk_(live|test)_[A-Za-z0-9]{50}/);

    const [jsonDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export JSON" }).click(),
    ]);
    const json = JSON.parse(await readFile((await jsonDownload.path()) ?? "", "utf8")) as {
      data: Record<string, string>[];
    };
    expect(json.data.length).toBe(130);
    expect(json.data.find((r) => r.id === ids.revoked)).toMatchObject({
      status: "revoked",
      revocation_reason: "employee_departure",
    });
  });

  it("puts what stops working soonest first on the expiry timeline", async () => {
    await page.getByRole("link", { name: "Expiry timeline" }).click();
    const week = page.getByRole("region", { name: /Within 7 days/ });
    await expect(week.getByRole("heading").textContent()).resolves.toBe("Within 7 days (1)");
    await expect(week.getByRole("link").first().textContent()).resolves.toBe("Contractor Portal");
    // Worker i expires 40 + i days after it was made, a moment before the page looked: i = 0…50 are within 90 days.
    await expect(
      page
        .getByRole("region", { name: /Within 90 days/ })
        .getByRole("heading")
        .textContent(),
    ).resolves.toBe("Within 90 days (51)");
  });
});
