// Crash safety: the engine is killed from outside right after the keys API answered (a create, then a roll) and
// before the state was written: the proxy in front of the service withholds that answer and kills the engine. After the recovery the engine requires, the next `up` leaves exactly one live key for the
// resource; the key the killed run minted (whose value nobody ever received) is found by its slot and revoked.
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_TYPE, ApiKey, type ApiKeyArgs } from "../../../provider/index.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { commandLineOf, descendantsOf, engineRunning, isAlive, killEngineTree } from "./engine-kill.ts";
import {
  createSlotStack,
  introspect,
  type KeysProxy,
  keysOfSlot,
  outputsOf,
  type SlotStack,
  startKeysProxy,
  stateFilePath,
} from "./support.ts";

const PROJECT = "keys-crash";
const SLOT = `urn:pulumi:test::${PROJECT}::${API_KEY_TYPE}::checkout`;
const checkout: ApiKeyArgs = {
  displayName: "Checkout service",
  environment: "live",
  scopes: ["contacts:read", "contacts:write"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
};

describe("an engine killed between the keys API's answer and the state write", () => {
  let ks: TestKeyService;
  let proxy: KeysProxy;
  let stack: SlotStack;
  let args: ApiKeyArgs = checkout;

  beforeAll(async () => {
    ks = await startTestKeyService("postgres");
    proxy = await startKeysProxy(() => ks.url);
    stack = await createSlotStack({
      projectName: PROJECT,
      proxy,
      apiKey: ks.adminKey,
      program: async () => {
        const key = new ApiKey("checkout", args);
        return { keyId: key.keyId, secret: key.secret };
      },
    });
  });

  afterAll(async () => {
    await stack?.dispose();
    await proxy?.close();
    await ks?.close();
  });

  const CALLS = {
    create: { method: "POST", path: /^\/v1\/api_keys$/ },
    roll: { method: "POST", path: /^\/v1\/api_keys\/[^/]+\/roll$/ },
  } as const;

  /**
   * Runs `up` and, the moment the keys service has answered `call` (the proxy withholds that answer), kills the
   * engine and everything under it; returns the id of the key the killed run minted.
   */
  async function upKilledAfter(call: keyof typeof CALLS) {
    const killing = proxy.onAnswer(CALLS[call], () => {
      const engine = engineRunning("up");
      const commands = [engine, ...descendantsOf(engine)].map((pid) => commandLineOf(pid).join(" "));
      return { killed: killEngineTree(engine), commands };
    });
    const running = stack.stack.up().then(
      () => undefined,
      (error: unknown) => error,
    );
    const { answer, result } = await killing;
    // The provider was waiting on this very answer when the engine died with it.
    expect(result.commands.some((command) => command.includes("dynamic-provider"))).toBe(true);
    expect(await running).toBeInstanceOf(Error);
    for (let i = 0; i < 100 && result.killed.some(isAlive); i++) await sleep(20);
    expect(result.killed.filter(isAlive)).toEqual([]);
    return { keyId: String(JSON.parse(answer.body.toString("utf8")).id) };
  }

  it("recovers from a crash after create: one live key, the stray revoked", async () => {
    const fault = await upKilledAfter("create");
    // The killed run minted a key the state never heard of, and left its create pending.
    expect(await keysOfSlot(ks, SLOT)).toEqual([
      expect.objectContaining({ id: fault.keyId, status: "active" }),
    ]);
    const file = JSON.parse(await readFile(stateFilePath(stack), "utf8"));
    expect(file.checkpoint.latest.pending_operations).toEqual([
      expect.objectContaining({ type: "creating", resource: expect.objectContaining({ urn: SLOT }) }),
    ]);

    // The engine's recovery: the lock stays until cancelled, the pending create until refresh drops it.
    await expect(stack.stack.up()).rejects.toThrow(/locked/);
    await stack.stack.cancel();
    await stack.stack.refresh({ clearPendingCreates: true });
    const result = await stack.stack.up();
    expect(result.summary.resourceChanges?.create).toBe(1);

    const state = outputsOf(await stack.stack.exportStack(), "checkout");
    expect(state.keyId).not.toBe(fault.keyId);
    const keys = await keysOfSlot(ks, SLOT);
    expect(keys.filter((k) => k.status === "active").map((k) => k.id)).toEqual([state.keyId]);
    expect(keys.find((k) => k.id === fault.keyId)).toMatchObject({
      status: "revoked",
      revocation_reason: "unused",
    });
    expect((await introspect(ks, String(state.secret))).active).toBe(true);
  });

  it("recovers from a crash after a roll: one live key, the old one in its grace period, the lost one revoked", async () => {
    const before = outputsOf(await stack.stack.exportStack(), "checkout");
    args = { ...checkout, scopes: ["contacts:read"] };
    const fault = await upKilledAfter("roll");
    expect(fault.keyId).not.toBe(before.keyId);

    await expect(stack.stack.up()).rejects.toThrow(/locked/);
    await stack.stack.cancel();
    await stack.stack.refresh();
    proxy.reset();
    const result = await stack.stack.up();
    expect(result.summary.resourceChanges).toMatchObject({ update: 1 });

    const state = outputsOf(await stack.stack.exportStack(), "checkout");
    expect(state.keyId).not.toBe(before.keyId);
    expect(state.keyId).not.toBe(fault.keyId);
    expect(state.previousKeyId).toBe(before.keyId);
    const keys = await keysOfSlot(ks, SLOT);
    expect(keys.filter((k) => k.status === "active").map((k) => k.id)).toEqual([state.keyId]);
    expect(keys.find((k) => k.id === before.keyId)?.status).toBe("expiring");
    expect(keys.find((k) => k.id === fault.keyId)).toMatchObject({
      status: "revoked",
      revocation_reason: "unused",
    });
    expect(await introspect(ks, String(state.secret))).toMatchObject({
      active: true,
      scopes: ["contacts:read"],
    });
    expect((await introspect(ks, String(before.secret))).active).toBe(true);
  });
});
