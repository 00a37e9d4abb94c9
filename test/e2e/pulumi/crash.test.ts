// Crash safety: the engine is killed right after the keys API answered (a create, then a roll) and before the
// state was written. After the recovery the engine requires, the next `up` leaves exactly one live key for the
// resource; the key the killed run minted (whose value nobody ever received) is found by its slot and revoked.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_TYPE, ApiKey, type ApiKeyArgs } from "../../../provider/index.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { commandLineOf, isAlive, killEngineTree, waitForFault } from "./engine-kill.ts";
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
  let faultDir: string;
  let args: ApiKeyArgs = checkout;

  beforeAll(async () => {
    ks = await startTestKeyService("postgres");
    proxy = await startKeysProxy(() => ks.url);
    faultDir = await mkdtemp(join(tmpdir(), "ayra-keys-fault-"));
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
    if (faultDir) await rm(faultDir, { recursive: true, force: true });
  });

  /** Runs `up` with the fault armed, kills the engine at it, and returns what the provider recorded. */
  async function upKilledAt(point: "after-create" | "after-roll") {
    const file = join(faultDir, `${point}.json`);
    stack.workspace.envVars.AYRA_KEYS_PROVIDER_FAULT = point;
    stack.workspace.envVars.AYRA_KEYS_PROVIDER_FAULT_FILE = file;
    const running = stack.stack.up().then(
      () => undefined,
      (error: unknown) => error,
    );
    try {
      const fault = await waitForFault(file);
      expect(fault.point).toBe(point);
      expect(commandLineOf(fault.ppid).join(" ")).toMatch(/pulumi.* up /);
      const killed = killEngineTree(fault.ppid);
      expect(killed).toContain(fault.pid);
      expect(await running).toBeInstanceOf(Error);
      for (let i = 0; i < 100 && killed.some(isAlive); i++) await sleep(20);
      expect(killed.filter(isAlive)).toEqual([]);
      return fault;
    } finally {
      delete stack.workspace.envVars.AYRA_KEYS_PROVIDER_FAULT;
      delete stack.workspace.envVars.AYRA_KEYS_PROVIDER_FAULT_FILE;
    }
  }

  it("recovers from a crash after create: one live key, the stray revoked", async () => {
    const fault = await upKilledAt("after-create");
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
    const fault = await upKilledAt("after-roll");
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
