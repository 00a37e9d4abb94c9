// examples/pulumi as an inline program: the example's own code (keys.ts), its `ayra-keys/pulumi` import pointed
// at this checkout's source. It passes the policy pack, creates its three keys with the declared scopes, and
// destroy revokes them.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import {
  createSlotStack,
  introspect,
  type KeysProxy,
  POLICY_PACK,
  type SlotStack,
  startKeysProxy,
} from "./support.ts";

vi.mock("ayra-keys/pulumi", () => import("../../../provider/index.ts"));

// A path in a variable: the example is type-checked as its own project (examples/pulumi/tsconfig.json),
// against the published types, not as part of this one.
const EXAMPLE = "../../../examples/pulumi/keys.ts";

describe("examples/pulumi", () => {
  let ks: TestKeyService;
  let proxy: KeysProxy;
  let stack: SlotStack;

  beforeAll(async () => {
    ks = await startTestKeyService("sqlite");
    proxy = await startKeysProxy(() => ks.url);
    const example = (await import(/* @vite-ignore */ EXAMPLE)) as { ayraKeys: () => Record<string, unknown> };
    stack = await createSlotStack({
      projectName: "ayra-keys-example",
      proxy,
      apiKey: ks.adminKey,
      program: async () => example.ayraKeys(),
    });
  });

  afterAll(async () => {
    await stack?.dispose();
    await proxy?.close();
    await ks?.close();
  });

  it("passes the policy pack and creates its three keys with the declared scopes", async () => {
    const output: string[] = [];
    const preview = await stack.stack.preview({
      policyPacks: [POLICY_PACK],
      onOutput: (l) => output.push(l),
    });
    expect(preview.changeSummary).toEqual({ create: 4 });
    expect(output.join("")).toContain("✅ ayra-keys");

    const result = await stack.stack.up({ policyPacks: [POLICY_PACK] });
    expect(result.summary.resourceChanges).toEqual({ create: 4 });
    const expected = {
      webAppKey: { environment: "live", scopes: ["agents:read", "conversations:read"] },
      dashboardKey: { environment: "live", scopes: ["conversations:read", "analytics:read"] },
      ciKey: { environment: "test", scopes: ["agents:read", "agents:write", "workflows:write"] },
    };
    for (const [name, key] of Object.entries(expected)) {
      expect(result.outputs[name]?.secret).toBe(true);
      expect(await introspect(ks, String(result.outputs[name]?.value))).toMatchObject({
        active: true,
        ...key,
      });
    }
    expect(String(result.outputs.webAppKeyRedacted?.value)).toMatch(/^sk_live_\w{6}\.\.\.\w{4}$/);
  });

  it("is a no-op the second time and revokes its keys on destroy", async () => {
    proxy.reset();
    const again = await stack.stack.up();
    expect(again.summary.resourceChanges).toEqual({ same: 4 });
    expect(proxy.calls).toEqual([]);
    const secrets = ["webAppKey", "dashboardKey", "ciKey"].map((name) => String(again.outputs[name]?.value));
    const destroyed = await stack.stack.destroy();
    expect(destroyed.summary.resourceChanges).toEqual({ delete: 4 });
    for (const secret of secrets) expect((await introspect(ks, secret)).active).toBe(false);
  });
});
