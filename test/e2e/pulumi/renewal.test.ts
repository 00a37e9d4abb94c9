// Renewal before expiry through the real Pulumi CLI, on the real clock (the provider has no clock switch): a
// 90-second key with no rotation — long enough for the real CLI's preview and up inside its last third on a busy
// machine — is kept by a preview before two thirds of its lifetime; inside the renewal window the preview says
// why it renews and the next `up` rolls it with grace, the old key working until its own expiry and no longer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_TYPE, ApiKey, type ApiKeyArgs } from "../../../provider/index.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";
import {
  createSlotStack,
  introspect,
  type KeysProxy,
  keysOfSlot,
  outputsOf,
  type SlotStack,
  startKeysProxy,
} from "./support.ts";

const PROJECT = "keys-renewal";
const SLOT = `urn:pulumi:test::${PROJECT}::${API_KEY_TYPE}::worker`;
const worker: ApiKeyArgs = {
  displayName: "Renewal worker",
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "90s",
};

const iso = (ms: number) => new Date(ms).toISOString();

describe("a key with a lifetime and no rotation", () => {
  let ks: TestKeyService;
  let proxy: KeysProxy;
  let stack: SlotStack;

  beforeAll(async () => {
    ks = await startTestKeyService("sqlite");
    proxy = await startKeysProxy(() => ks.url);
    stack = await createSlotStack({
      projectName: PROJECT,
      proxy,
      apiKey: ks.adminKey,
      program: async () => {
        const key = new ApiKey("worker", worker);
        return { keyId: key.keyId, secret: key.secret };
      },
    });
  });

  afterAll(async () => {
    await stack?.dispose();
    await proxy?.close();
    await ks?.close();
  });

  it("is renewed by the first up inside its renewal window, with grace until the old key's expiry", async () => {
    await stack.stack.up();
    const first = outputsOf(await stack.stack.exportStack(), "worker");
    const created = Date.parse(String(first.createdAt));
    const expires = Date.parse(String(first.expiresAt));
    // The provider asks for now + 30 s; the service stamps its own creation time.
    expect(Math.abs(expires - created - 90_000)).toBeLessThan(1_000);
    const windowOpens = expires - Math.floor((expires - created) / 3);
    expect(first.rotateAfter).toBe(iso(windowOpens));

    // Before the window: nothing to do, and nothing said.
    const early: string[] = [];
    const quiet = await stack.stack.preview({ onOutput: (line) => early.push(line) });
    expect(Date.now()).toBeLessThan(windowOpens);
    expect(quiet.changeSummary.update ?? 0).toBe(0);
    expect(early.join("")).not.toContain("renew:");

    await waitFor("the renewal window to open", () => Date.now() >= windowOpens + 200, {
      timeoutMs: 90_000,
      intervalMs: 100,
    });
    const said: string[] = [];
    const preview = await stack.stack.preview({ onOutput: (line) => said.push(line) });
    expect(preview.changeSummary.update).toBe(1);
    expect(said.join("")).toContain(
      `renew: expires ${iso(expires)}, renewal window opened at ${iso(windowOpens)}`,
    );

    const result = await stack.stack.up();
    expect(result.summary.resourceChanges).toMatchObject({ update: 1 });
    const renewed = outputsOf(await stack.stack.exportStack(), "worker");
    expect(renewed.keyId).not.toBe(first.keyId);
    expect(renewed.previousKeyId).toBe(first.keyId);
    // The default grace (7 days) is capped by the old key's own expiry.
    expect(renewed.previousRevokeAt).toBe(iso(expires));
    expect(Date.now()).toBeLessThan(expires);
    expect(await introspect(ks, String(renewed.secret))).toMatchObject({ active: true, id: renewed.keyId });
    expect(await introspect(ks, String(first.secret))).toMatchObject({ active: true, id: first.keyId });

    const keys = await keysOfSlot(ks, SLOT);
    expect(keys.find((k) => k.id === first.keyId)?.status).toBe("expiring");
    expect(keys.find((k) => k.id === renewed.keyId)?.status).toBe("active");

    // At its own expiry the old key stops; the new one carries on.
    await waitFor(
      "the old key to stop working",
      async () => !(await introspect(ks, String(first.secret))).active,
      {
        timeoutMs: 45_000,
        intervalMs: 200,
      },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(expires);
    expect((await introspect(ks, String(renewed.secret))).active).toBe(true);
  }, 240_000);
});
