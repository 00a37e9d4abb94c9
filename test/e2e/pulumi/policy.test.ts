// What stops a bad key before any key exists: the provider's check (core's validator, one failure per field) and
// the ayra-keys policy pack (core's hygiene rules) run by the real engine from the executable launcher. Neither
// calls the keys API.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKey, type ApiKeyArgs } from "../../../provider/index.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { createSlotStack, type KeysProxy, POLICY_PACK, type SlotStack, startKeysProxy } from "./support.ts";

/** The CLI's whole story of a failed operation: the error carries stdout and stderr. */
async function failureOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("the operation succeeded");
}

describe("before any key exists", () => {
  let ks: TestKeyService;
  let proxy: KeysProxy;
  const stacks: SlotStack[] = [];

  const stackFor = async (name: string, program: PulumiFn) => {
    const stack = await createSlotStack({ projectName: name, proxy, apiKey: ks.adminKey, program });
    stacks.push(stack);
    return stack;
  };

  beforeAll(async () => {
    ks = await startTestKeyService("sqlite");
    proxy = await startKeysProxy(() => ks.url);
  });

  afterAll(async () => {
    for (const stack of stacks) await stack.dispose();
    await proxy?.close();
    await ks?.close();
  });

  it("check refuses Kubernetes-only fields and invalid values, naming each field", async () => {
    const spec = {
      displayName: "Billing worker",
      environment: "live",
      scopes: ["agents:read", "billing:write"],
      expiresAfter: "90d",
      rotation: { every: "30d", gracePeriod: "7d", quietPeriod: "1h" },
    } as unknown as ApiKeyArgs;
    const stack = await stackFor("keys-check", async () => {
      new ApiKey("billing", spec);
    });
    proxy.reset();
    const message = await failureOf(stack.stack.preview());
    // One failure per field, named in the reason; the engine prints no input value beside it.
    expect(message).toContain(
      "resource 'billing' has a problem: rotation.quietPeriod is available only on the Kubernetes ApiKey resource",
    );
    expect(message).toContain(
      "resource 'billing' has a problem: scopes[1] is \"billing:write\", which is not an Ayra scope",
    );
    expect(proxy.calls).toEqual([]);
  });

  it("check explains a semantic rule in the same words as the review and the controller", async () => {
    const stack = await stackFor("keys-check-rules", async () => {
      new ApiKey("nightly", {
        displayName: "Nightly export",
        environment: "test",
        scopes: ["analytics:read"],
        expiresAfter: "30d",
        rotation: { every: "7d", gracePeriod: "7d" },
      });
    });
    const message = await failureOf(stack.stack.preview());
    expect(message).toContain("rotation.gracePeriod (7d) must be shorter than rotation.every (7d)");
  });

  it("the policy pack fails a violating preview and names the resource and the rule", async () => {
    const stack = await stackFor("keys-policy", async () => {
      new ApiKey("admin-forever", { displayName: "Key 1", environment: "live", scopes: ["admin:full"] });
      new ApiKey("reporting", {
        displayName: "Reporting dashboard",
        environment: "live",
        scopes: ["analytics:read"],
        expiresAfter: "90d",
      });
    });
    proxy.reset();
    const output: string[] = [];
    const message = await failureOf(
      stack.stack.preview({ policyPacks: [POLICY_PACK], onOutput: (line) => output.push(line) }),
    );
    const all = `${message}\n${output.join("")}`;
    expect(all).toMatch(/mandatory.*live-admin-full|live-admin-full.*mandatory/s);
    expect(all).toContain("live-no-expiry");
    expect(all).toContain("poor-name"); // advisory: reported, not failing by itself
    expect(all).toContain("admin-forever");
    expect(all).not.toMatch(/reporting[^\n]*live-/);
    expect(proxy.calls).toEqual([]);
  });

  it("the policy pack takes per-policy config: enforcement levels and rule settings", async () => {
    const stack = await stackFor("keys-policy-config", async () => {
      new ApiKey("long-lived", {
        displayName: "Partner integration",
        environment: "live",
        scopes: ["contacts:read"],
        expiresAfter: "200d",
      });
    });
    const passes = await stack.stack.preview({ policyPacks: [POLICY_PACK] });
    expect(passes.changeSummary).toMatchObject({ create: 2 });

    const config = join(stack.backendDir, "..", "policy-config.json");
    await writeFile(config, JSON.stringify({ "live-long-expiry": { maxLiveLifetimeDays: 180 } }));
    const message = await failureOf(
      stack.stack.preview({ policyPacks: [POLICY_PACK], policyPackConfigs: [config] }),
    );
    expect(message).toContain("live-long-expiry");
    expect(message).toContain("long-lived");
    expect(message).toContain("lives 200 days, more than the 180 allowed");

    await writeFile(
      config,
      JSON.stringify({ "live-long-expiry": { enforcementLevel: "advisory", maxLiveLifetimeDays: 180 } }),
    );
    const advisory = await stack.stack.preview({ policyPacks: [POLICY_PACK], policyPackConfigs: [config] });
    expect(advisory.changeSummary).toMatchObject({ create: 2 });
  });
});
