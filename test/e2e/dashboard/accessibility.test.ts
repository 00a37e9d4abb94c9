// axe-core finds no serious or critical accessibility violation on any screen, and the list, create and
// details screens are photographed into test-output/dashboard/ for review.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AxeResults } from "axe-core";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, STORES } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";
import { type DashboardFixture, signIn, startDashboard } from "./dashboard-fixture.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const shots = join(root, "test-output", "dashboard");

/**
 * axe's findings on the page as it is now. The script is evaluated through the DevTools protocol, which the
 * page's Content-Security-Policy does not govern; a <script> tag (page.addScriptTag) would be refused by it.
 */
async function seriousViolations(page: Page, axeSource: string): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(): Promise<AxeResults> } }).axe.run(),
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`);
}

describe.each(STORES)("accessibility of every screen, on %s", (store) => {
  let fx: DashboardFixture;
  let context: BrowserContext;
  let page: Page;
  let axeSource: string;
  let busyKey: { id: string; secret: string };

  beforeAll(async () => {
    axeSource = await readFile(join(root, "node_modules", "axe-core", "axe.min.js"), "utf8");
    await mkdir(shots, { recursive: true });
    fx = await startDashboard(store);
    busyKey = await createKey(fx.ks, {
      name: "Analytics Dashboard",
      environment: "live",
      scopes: ["api_keys:read", "analytics:read"],
      expires_at: new Date(Date.now() + 20 * 86_400_000).toISOString(),
      metadata: { owner: "data-team", purpose: "weekly reports" },
    });
    for (let i = 0; i < 5; i++) await fx.ks.call("GET", "/v1/api_keys?limit=1", { key: busyKey.secret });
    await createKey(fx.ks, {
      name: "Web (controller)",
      environment: "live",
      scopes: ["agents:read"],
      metadata: { managed_by: "ayra-keys-controller", k8s_namespace: "team-a", k8s_name: "web" },
    });
    const rolled = await createKey(fx.ks, {
      name: "Mobile App - iOS",
      environment: "test",
      scopes: ["agents:read"],
    });
    await fx.ks.call("POST", `/v1/api_keys/${rolled.id}/roll`, {
      key: fx.ks.adminKey,
      body: { grace_period_seconds: 7 * 86_400 },
    });
    const revoked = await createKey(fx.ks, {
      name: "Legacy Integration (Deprecated)",
      environment: "live",
      scopes: ["contacts:read"],
    });
    await fx.ks.call("POST", `/v1/api_keys/${revoked.id}/revoke`, {
      key: fx.ks.adminKey,
      body: { reason: "project_ended" },
    });
    await waitFor(
      "the usage flush",
      async () =>
        (await fx.ks.call("GET", `/v1/api_keys/${busyKey.id}/usage`, { key: fx.ks.adminKey })).body.hourly
          .length > 0,
    );
    context = await fx.browser.newContext({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await context?.close();
    await fx?.close();
  });

  it("sign-in", async () => {
    const first = await context.newPage();
    await first.goto(`${fx.url}/`);
    await first.getByLabel("Management API key").waitFor();
    expect(await seriousViolations(first, axeSource)).toEqual([]);
    await first.close();
    page = await signIn(context, fx.url, fx.ks.adminKey);
  });

  it("key list", async () => {
    expect(await seriousViolations(page, axeSource)).toEqual([]);
    await page.screenshot({ path: join(shots, `${store}-list.png`), fullPage: true });
  });

  it("create, before and after generating", async () => {
    await page.getByRole("link", { name: "Create API key" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Key 1");
    await page.getByRole("status").filter({ hasText: "does not say what the key is for" }).waitFor();
    expect(await seriousViolations(page, axeSource)).toEqual([]);
    await page.screenshot({ path: join(shots, `${store}-create.png`), fullPage: true });
    await page.getByLabel("Name", { exact: true }).fill("Production Web Application");
    await page.getByRole("checkbox", { name: /agents:read/ }).check();
    await page.getByRole("button", { name: "Generate key" }).click();
    await page.getByRole("textbox", { name: "New API key" }).waitFor();
    expect(await seriousViolations(page, axeSource)).toEqual([]);
    await page.getByRole("button", { name: /hide it/ }).click();
  });

  it("details, with its action panels open", async () => {
    await page.goto(`${fx.url}/#/keys/${busyKey.id}`);
    await page.getByTestId("usage-summary").filter({ hasText: "5 requests" }).waitFor();
    expect(await seriousViolations(page, axeSource)).toEqual([]);
    await page.screenshot({ path: join(shots, `${store}-details.png`), fullPage: true });
    for (const action of ["Regenerate…", "Edit…", "Revoke…"]) {
      await page.getByRole("button", { name: action }).click();
      expect(await seriousViolations(page, axeSource), action).toEqual([]);
    }
  });

  it("expiry timeline", async () => {
    await page.getByRole("link", { name: "Expiry timeline" }).click();
    await page.getByRole("heading", { name: /Within 30 days/ }).waitFor();
    expect(await seriousViolations(page, axeSource)).toEqual([]);
    await page.screenshot({ path: join(shots, `${store}-timeline.png`), fullPage: true });
  });
});
