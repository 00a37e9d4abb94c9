// A renamed ApiKey (`aliases`, so the engine moves the resource to a new URN) through the real Pulumi CLI against
// the real keys service. A key's owner (its `pulumi_urn`) cannot change, so the move mints a key for the new URN
// and retires the old one after the grace period — with no refused call on the way — and an engine killed in the
// middle of a move still ends with exactly one live key for the new URN. The tests share one stack, in order.
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { UpResult } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_TYPE, ApiKey, type ApiKeyArgs } from "../../../provider/index.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { expectNoSecret } from "../../harness/no-secret.ts";
import { commandLineOf, descendantsOf, engineRunning, isAlive, killEngineTree } from "./engine-kill.ts";
import {
  createSlotStack,
  DAY_MS,
  introspect,
  type KeysProxy,
  keysOfSlot,
  outputsOf,
  plaintextOutsideSecrets,
  type SlotStack,
  startKeysProxy,
  stateFilePath,
} from "./support.ts";

const PROJECT = "keys-move";
const urnOf = (name: string) => `urn:pulumi:test::${PROJECT}::${API_KEY_TYPE}::${name}`;
const web: ApiKeyArgs = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
};
const jobs: ApiKeyArgs = { displayName: "Batch jobs", environment: "test", scopes: ["agents:read"] };

describe("an ApiKey moved to a new URN", () => {
  let ks: TestKeyService;
  let proxy: KeysProxy;
  let stack: SlotStack;
  const names = { web: "web", jobs: "jobs" };
  const secrets = new Set<string>();
  const states: unknown[] = [];
  const stateFiles: string[] = [];

  const up = async (): Promise<UpResult> => {
    stack.syncClock(ks);
    const result = await stack.stack.up({ onOutput: (line) => stack.output.push(line) });
    await record();
    return result;
  };
  const record = async () => {
    const state = await stack.stack.exportStack();
    for (const name of Object.values(names)) {
      const secret = outputsOf(state, name).secret;
      if (typeof secret === "string") secrets.add(secret);
    }
    states.push(state);
    stateFiles.push(await readFile(stateFilePath(stack), "utf8"));
  };
  const refused = () => proxy.answers.filter((answer) => answer.status >= 400);

  beforeAll(async () => {
    ks = await startTestKeyService("sqlite");
    proxy = await startKeysProxy(() => ks.url);
    stack = await createSlotStack({
      projectName: PROJECT,
      proxy,
      apiKey: ks.adminKey,
      program: async () => {
        // A renamed resource keeps its state through an alias to its first name.
        const webKey = new ApiKey(names.web, web, { aliases: [{ name: "web" }] });
        const jobsKey = new ApiKey(names.jobs, jobs, { aliases: [{ name: "jobs" }] });
        return { webSecret: webKey.secret, jobsSecret: jobsKey.secret };
      },
    });
    const created = await up();
    expect(created.summary.resourceChanges).toEqual({ create: 3 });
  });

  afterAll(async () => {
    await stack?.dispose();
    await proxy?.close();
    await ks?.close();
  });

  it("says in the preview that the move mints a new key, from which URN to which", async () => {
    names.web = "web-renamed";
    const lines: string[] = [];
    stack.syncClock(ks);
    const preview = await stack.stack.preview({ onOutput: (line) => lines.push(line) });
    stack.output.push(...lines);
    expect(preview.changeSummary).toMatchObject({ update: 1 });
    expect(preview.changeSummary.create).toBeUndefined();
    expect(preview.changeSummary.delete).toBeUndefined();
    expect(lines.join("")).toContain(
      `new key: the resource moved from ${urnOf("web")} to ${urnOf("web-renamed")}; a key's owner cannot change`,
    );
  });

  it("mints one key for the new URN and schedules the old one's revocation, with no refused call", async () => {
    const old = outputsOf(await stack.stack.exportStack(), "web");
    proxy.reset();
    const result = await up();
    expect(result.summary.resourceChanges).toEqual({ update: 1, same: 2 });
    expect(refused()).toEqual([]);
    expect(proxy.calls).toEqual([
      "POST /v1/api_keys",
      `POST /v1/api_keys/${old.keyId}/revoke`,
      "GET /v1/api_keys",
      "GET /v1/api_keys",
    ]);

    const now = outputsOf(await stack.stack.exportStack(), "web-renamed");
    expect(now).toMatchObject({ slot: urnOf("web-renamed"), previousKeyId: old.keyId, status: "active" });
    expect(now.keyId).not.toBe(old.keyId);
    expect(now.secret).not.toBe(old.secret);
    expect((await keysOfSlot(ks, urnOf("web-renamed"))).filter((k) => k.status === "active")).toEqual([
      expect.objectContaining({ id: now.keyId }),
    ]);
    expect(await introspect(ks, String(now.secret))).toMatchObject({ active: true, id: now.keyId });

    // The old key keeps its owner and works until the grace deadline the outputs record.
    const graceEnds = Date.parse(String(now.previousRevokeAt));
    const sinceMint = graceEnds - Date.parse(String(now.createdAt));
    expect(sinceMint).toBeLessThanOrEqual(7 * DAY_MS);
    expect(sinceMint).toBeGreaterThan(7 * DAY_MS - 60_000);
    const record = await ks.call("GET", `/v1/api_keys/${old.keyId}`, { key: ks.adminKey });
    expect(record.body).toMatchObject({
      status: "expiring",
      metadata: expect.objectContaining({ pulumi_urn: urnOf("web") }),
    });
    expect(Date.parse(String(record.body.expiring_at))).toBe(graceEnds);
    expect(await introspect(ks, String(old.secret))).toMatchObject({ active: true, id: old.keyId });

    ks.clock.advance(graceEnds - 1_000 - ks.clock.now());
    expect((await introspect(ks, String(old.secret))).active).toBe(true);
    ks.clock.advance(2_000);
    expect((await introspect(ks, String(old.secret))).active).toBe(false);
    const after = await ks.call("GET", `/v1/api_keys/${old.keyId}`, { key: ks.adminKey });
    expect(after.body).toMatchObject({ status: "revoked", revocation_reason: "replaced" });
    expect((await introspect(ks, String(now.secret))).active).toBe(true);
  });

  it("changes nothing on the next up: the alias resolved, the state names the new URN", async () => {
    proxy.reset();
    const result = await up();
    // The previous key's grace period is over: the state forgets it, without a call.
    expect(result.summary.resourceChanges).toEqual({ update: 1, same: 2 });
    expect(proxy.calls).toEqual([]);
    expect(outputsOf(await stack.stack.exportStack(), "web-renamed").previousKeyId).toBeUndefined();
    expect((await up()).summary.resourceChanges).toEqual({ same: 3 });
    expect(proxy.calls).toEqual([]);
  });

  it("leaves one live key for the new URN when the engine is killed after the move's create", async () => {
    const old = outputsOf(await stack.stack.exportStack(), "jobs");
    names.jobs = "jobs-renamed";
    const killing = proxy.onAnswer({ method: "POST", path: /^\/v1\/api_keys$/ }, () => {
      const engine = engineRunning("up");
      const commands = [engine, ...descendantsOf(engine)].map((pid) => commandLineOf(pid).join(" "));
      return { killed: killEngineTree(engine), commands };
    });
    stack.syncClock(ks);
    const running = stack.stack.up().then(
      () => undefined,
      (error: unknown) => error,
    );
    const { answer, result } = await killing;
    expect(result.commands.some((command) => command.includes("dynamic-provider"))).toBe(true);
    expect(await running).toBeInstanceOf(Error);
    for (let i = 0; i < 100 && result.killed.some(isAlive); i++) await sleep(20);
    expect(result.killed.filter(isAlive)).toEqual([]);
    const lost = String(JSON.parse(answer.body.toString("utf8")).id);
    expect(await keysOfSlot(ks, urnOf("jobs-renamed"))).toEqual([
      expect.objectContaining({ id: lost, status: "active" }),
    ]);

    await expect(stack.stack.up()).rejects.toThrow(/locked/);
    await stack.stack.cancel();
    await stack.stack.refresh();
    proxy.reset();
    const recovered = await up();
    expect(recovered.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(refused()).toEqual([]);

    const now = outputsOf(await stack.stack.exportStack(), "jobs-renamed");
    expect(now.keyId).not.toBe(lost);
    expect(now.previousKeyId).toBe(old.keyId);
    const keys = await keysOfSlot(ks, urnOf("jobs-renamed"));
    expect(keys.filter((k) => k.status === "active").map((k) => k.id)).toEqual([now.keyId]);
    expect(keys.find((k) => k.id === lost)).toMatchObject({ status: "revoked", revocation_reason: "unused" });
    expect((await keysOfSlot(ks, urnOf("jobs"))).map((k) => [k.id, k.status])).toEqual([
      [old.keyId, "expiring"],
    ]);
    expect((await introspect(ks, String(now.secret))).active).toBe(true);
  });

  it("never shows a key value outside the secret output: state, state file, CLI output, provider log", async () => {
    expect(secrets.size).toBeGreaterThanOrEqual(4);
    const cli = stack.output.join("");
    const providerLog = await stack.providerLog();
    expect(providerLog).toContain("created replacement key");
    for (const secret of [...secrets, ks.adminKey]) {
      expect(plaintextOutsideSecrets(states, secret)).toBe(false);
      expectNoSecret(stateFiles.join("\n"), secret);
      expectNoSecret(cli, secret);
      expectNoSecret(providerLog, secret);
    }
  });
});
