// Regenerate, revoke and edit on the details page: revoke needs a reason and the key then fails
// introspection; a rolled key shows as expiring with its deadline; a key a controller or a Pulumi stack
// declares points to its manifest or stack and offers no in-place edit.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, STORES } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";
import {
  type DashboardFixture,
  keyRow,
  NetworkRecorder,
  signIn,
  startDashboard,
} from "./dashboard-fixture.ts";

describe.each(STORES)("acting on a key from the dashboard, on %s", (store) => {
  let fx: DashboardFixture;
  let context: BrowserContext;
  let recorder: NetworkRecorder;
  let page: Page;

  beforeAll(async () => {
    fx = await startDashboard(store);
    context = await fx.browser.newContext();
    recorder = new NetworkRecorder(context);
    page = await signIn(context, fx.url, fx.ks.adminKey);
  });
  afterAll(async () => {
    await context?.close();
    await fx?.close();
  });

  const open = async (id: string) => {
    await page.goto(`${fx.url}/#/keys/${id}`);
    await page.getByTestId("key-status").waitFor();
  };

  it("revokes only with a reason, says so first, and the key then fails introspection", async () => {
    const victim = await createKey(fx.ks, {
      name: "Legacy Integration",
      environment: "live",
      scopes: ["agents:read"],
    });
    await open(victim.id);
    await page.getByRole("button", { name: "Revoke…" }).click();
    await expect(page.getByTestId("revoke-explanation").textContent()).resolves.toContain(
      "immediate and irreversible",
    );
    await page.getByRole("button", { name: "Revoke now" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("Reason");
    await recorder.settle();
    expect(recorder.exchanges.some((e) => e.url.endsWith(`/${victim.id}/revoke`))).toBe(false);
    expect(
      (
        await fx.ks.call("POST", "/v1/api_keys/introspect", {
          key: fx.ks.adminKey,
          body: { key: victim.secret },
        })
      ).body.active,
    ).toBe(true);

    await page.getByLabel("Reason (required)").selectOption("compromised");
    await page.getByLabel("Note (optional)").fill("found in a public gist");
    await page.getByRole("button", { name: "Revoke now" }).click();
    await page.getByTestId("key-status").filter({ hasText: "Revoked: Compromised" }).waitFor();

    const revoke = (await recorder.settle()).find((e) => e.url.endsWith(`/${victim.id}/revoke`));
    expect(revoke?.status).toBe(200);
    expect(revoke?.requestHeaders["x-csrf-token"]).toMatch(/.+/);
    expect(JSON.parse(revoke?.requestBody ?? "{}")).toEqual({
      reason: "compromised",
      note: "found in a public gist",
    });
    const after = await fx.ks.call("POST", "/v1/api_keys/introspect", {
      key: fx.ks.adminKey,
      body: { key: victim.secret },
    });
    expect(after.body).toEqual({ active: false });
    // A revoked key offers nothing more to do.
    expect(await page.getByRole("button", { name: "Revoke…" }).count()).toBe(0);
    // Whoever still uses it shows up on its page once usage is flushed.
    expect((await fx.ks.call("GET", "/v1/api_keys?limit=1", { key: victim.secret })).status).toBe(401);
    await waitFor("the revoked-key attempt on the details page", async () => {
      await page.reload();
      const text = await page.getByTestId("revoked-attempts").textContent();
      // Twice: the introspection above and this request.
      return text?.startsWith("Presented 2 times after it was revoked or expired") ? text : undefined;
    });
    await page.getByRole("link", { name: "API keys", exact: true }).click();
    await expect(keyRow(page, victim.id).textContent()).resolves.toContain("Revoked: Compromised");
  });

  it("regenerates with the chosen grace: the new key is shown once, the old one is expiring with its deadline", async () => {
    const old = await createKey(fx.ks, {
      name: "Production Web App",
      environment: "live",
      scopes: ["agents:read"],
    });
    await open(old.id);
    await page.getByRole("button", { name: "Regenerate…" }).click();
    await page.getByLabel(/Grace period/).selectOption({ label: "1 hour" });
    await expect(page.getByTestId("regenerate-explanation").textContent()).resolves.toMatch(
      /keeps working until .+, then is revoked with reason Replaced/,
    );
    await page.getByRole("button", { name: "Regenerate now" }).click();
    const secret = await page.getByRole("textbox", { name: "New API key" }).inputValue();
    const introspected = await fx.ks.call("POST", "/v1/api_keys/introspect", {
      key: fx.ks.adminKey,
      body: { key: secret },
    });
    expect(introspected.body.active).toBe(true);
    await page.getByRole("button", { name: /hide it/ }).click();
    await page.waitForURL(new RegExp(`#/keys/${introspected.body.id}$`));
    await page.getByTestId("rotation").getByRole("link", { name: old.id }).click();
    await page.getByTestId("key-deadline").waitFor();

    const stored = await fx.ks.call("GET", `/v1/api_keys/${old.id}`, { key: fx.ks.adminKey });
    expect(stored.body.status).toBe("expiring");
    const deadline = Date.parse(stored.body.expiring_at ?? "");
    expect(Math.abs(deadline - (Date.now() + 3_600_000))).toBeLessThan(120_000);
    await expect(page.getByTestId("key-deadline").locator("time").getAttribute("datetime")).resolves.toBe(
      stored.body.expiring_at,
    );
    await expect(page.getByTestId("key-status").textContent()).resolves.toMatch(/^Expiring /);
    await expect(page.getByTestId("rotation").textContent()).resolves.toContain(
      `Replaced by ${introspected.body.id}`,
    );
  });

  it("points a controller's key to its ApiKey and a Pulumi key to its stack, with no edit or regenerate", async () => {
    const byController = await createKey(fx.ks, {
      name: "Web (controller)",
      environment: "live",
      scopes: ["agents:read"],
      metadata: { managed_by: "ayra-keys-controller", k8s_namespace: "team-a", k8s_name: "web" },
    });
    const byPulumi = await createKey(fx.ks, {
      name: "Web (pulumi)",
      environment: "live",
      scopes: ["agents:read"],
      metadata: {
        managed_by: "ayra-keys-pulumi",
        pulumi_stack: "acme/web/prod",
        pulumi_urn: "urn:pulumi:prod::web::ayra:index:ApiKey::web",
      },
    });
    const unmanaged = await createKey(fx.ks, {
      name: "By hand",
      environment: "live",
      scopes: ["agents:read"],
    });

    await open(byController.id);
    await expect(page.getByTestId("key-manager").textContent()).resolves.toContain("Controller team-a/web");
    await expect(page.getByTestId("declared").textContent()).resolves.toContain(
      "kubectl edit apikey -n team-a web",
    );
    expect(await page.getByRole("button", { name: "Edit…" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Regenerate…" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Revoke…" }).count()).toBe(1);

    await open(byPulumi.id);
    await expect(page.getByTestId("declared").textContent()).resolves.toContain("acme/web/prod");
    expect(await page.getByRole("button", { name: "Edit…" }).count()).toBe(0);

    await open(unmanaged.id);
    await page.getByRole("button", { name: "Edit…" }).click();
    await expect(page.getByTestId("edit-explanation").textContent()).resolves.toContain(
      "A scope or expiry change makes a new key",
    );
    await page.getByLabel("Name", { exact: true }).fill("Integration Service");
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByRole("status").filter({ hasText: "Renamed" }).waitFor();
    expect((await fx.ks.call("GET", `/v1/api_keys/${unmanaged.id}`, { key: fx.ks.adminKey })).body.name).toBe(
      "Integration Service",
    );
  });
});
