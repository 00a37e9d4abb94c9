// The ApiKey resource through the real Pulumi CLI against the real keys service: create, no-op, a provider
// upgrade, a scope change, a rotation falling due, an out-of-band revocation seen by refresh, destroy — and the
// canary over everything those runs wrote. The tests share one stack and run in order.
import { readFile } from "node:fs/promises";
import type { OutputMap, UpResult } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKey, type ApiKeyArgs } from "../../../provider/index.ts";
import { RUNTIME_MODULE } from "../../../provider/provider-object.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { expectNoSecret } from "../../harness/no-secret.ts";
import {
  createSlotStack,
  DAY_MS,
  introspect,
  type KeysProxy,
  keysOfSlot,
  outputsOf,
  plaintextOutsideSecrets,
  resourceNamed,
  type SlotStack,
  startKeysProxy,
  stateFilePath,
} from "./support.ts";

const web: ApiKeyArgs = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["conversations:read", "agents:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
  owner: "web-team",
};
const ci: ApiKeyArgs = {
  displayName: "CI integration tests",
  environment: "test",
  scopes: ["agents:read", "agents:write"],
  expiresAfter: "180d",
};

describe("the ApiKey resource", () => {
  let ks: TestKeyService;
  let proxy: KeysProxy;
  let stack: SlotStack;
  let webArgs: ApiKeyArgs = web;
  let ciArgs: ApiKeyArgs = ci;
  /** Every key value the stack ever held, and every state it wrote, for the canary. */
  const secrets = new Set<string>();
  const states: unknown[] = [];
  const stateFiles: string[] = [];

  const up = async (): Promise<UpResult> => {
    stack.syncClock(ks);
    const result = await stack.stack.up({ onOutput: (line) => stack.output.push(line) });
    for (const name of ["webSecret", "ciSecret"]) {
      const value = result.outputs[name]?.value;
      if (typeof value === "string") secrets.add(value);
    }
    states.push(await stack.stack.exportStack());
    stateFiles.push(await readFile(stateFilePath(stack), "utf8"));
    return result;
  };
  const value = (outputs: OutputMap, name: string): string => String(outputs[name]?.value);

  beforeAll(async () => {
    ks = await startTestKeyService("sqlite");
    proxy = await startKeysProxy(() => ks.url);
    stack = await createSlotStack({
      projectName: "keys-lifecycle",
      proxy,
      apiKey: ks.adminKey,
      program: async () => {
        const webKey = new ApiKey("web", webArgs);
        const ciKey = new ApiKey("ci", ciArgs);
        return {
          webSecret: webKey.secret,
          webKeyId: webKey.keyId,
          webPrevious: webKey.previousKeyId,
          ciSecret: ciKey.secret,
          ciKeyId: ciKey.keyId,
        };
      },
    });
  });

  afterAll(async () => {
    await stack?.dispose();
    await proxy?.close();
    await ks?.close();
  });

  it("creates keys that introspect active with exactly the declared scopes", async () => {
    const result = await up();
    expect(result.summary.resourceChanges).toEqual({ create: 3 });
    expect(result.outputs.webSecret?.secret).toBe(true);
    expect(result.outputs.ciSecret?.secret).toBe(true);

    const webKey = await introspect(ks, value(result.outputs, "webSecret"));
    expect(webKey).toMatchObject({
      active: true,
      environment: "live",
      id: value(result.outputs, "webKeyId"),
    });
    expect(webKey.scopes).toEqual(["agents:read", "conversations:read"]);
    const ciKey = await introspect(ks, value(result.outputs, "ciSecret"));
    expect(ciKey).toMatchObject({
      active: true,
      environment: "test",
      scopes: ["agents:read", "agents:write"],
    });

    // Each key carries its slot, so a stray of a crashed run can be found.
    const state = await stack.stack.exportStack();
    const slot = resourceNamed(state, "web").urn;
    expect(await keysOfSlot(ks, slot)).toEqual([
      expect.objectContaining({ id: value(result.outputs, "webKeyId"), status: "active" }),
    ]);
    expect(outputsOf(state, "web")).toMatchObject({
      slot,
      status: "active",
      scopes: ["agents:read", "conversations:read"],
      redacted: expect.stringMatching(/^sk_live_[A-Za-z0-9]{6}\.\.\.[A-Za-z0-9]{4}$/),
      rotateAfter: expect.any(String),
    });
  });

  it("serializes a provider that holds no credential, key or program module", async () => {
    const state = await stack.stack.exportStack();
    const text = String(resourceNamed(state, "web").inputs?.__provider);
    expect(text).toContain(JSON.stringify(RUNTIME_MODULE));
    expect(text.length).toBeLessThan(2_500);
    for (const forbidden of [ks.adminKey, proxy.url, "sk_live_", "sk_test_", "__vite", "vitest"])
      expect(text).not.toContain(forbidden);
  });

  it("changes nothing and calls the keys API zero times on a second up and preview", async () => {
    proxy.reset();
    const preview = await stack.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 3 });
    const result = await up();
    expect(result.summary.resourceChanges).toEqual({ same: 3 });
    expect(proxy.calls).toEqual([]);
  });

  it("changes nothing and calls the keys API zero times after a change to the provider's code", async () => {
    // The state as an older revision of the provider wrote it: another serialized text in __provider.
    const path = stateFilePath(stack);
    const file = JSON.parse(await readFile(path, "utf8"));
    for (const resource of file.checkpoint.latest.resources)
      for (const props of [resource.inputs, resource.outputs])
        if (typeof props?.__provider === "string") props.__provider += "\n// an older revision\n";
    await stack.workspace.importStack("test", { version: 3, deployment: file.checkpoint.latest });
    const before = (await stack.stack.exportStack()).deployment.resources;
    expect(JSON.stringify(before)).toContain("an older revision");

    proxy.reset();
    const result = await up();
    expect(result.summary.resourceChanges).toEqual({ same: 3 });
    expect(proxy.calls).toEqual([]);
  });

  it("mints a new key on a scope change; the old one works until the grace period ends, then fails", async () => {
    const before = await stack.stack.exportStack();
    const old = outputsOf(before, "web");
    webArgs = { ...web, scopes: ["agents:read", "conversations:read", "contacts:read"] };
    proxy.reset();
    const result = await up();
    expect(result.summary.resourceChanges).toEqual({ update: 1, same: 2 });
    // Only the update talks to the keys API: the roll, then one look for strays under each metadata spelling.
    expect(proxy.calls).toEqual([
      `POST /v1/api_keys/${old.keyId}/roll`,
      "GET /v1/api_keys",
      "GET /v1/api_keys",
    ]);

    const after = await stack.stack.exportStack();
    const now = outputsOf(after, "web");
    expect(resourceNamed(after, "web").id).toBe(resourceNamed(before, "web").id); // a slot, not a key
    expect(now.keyId).not.toBe(old.keyId);
    expect(now.secret).not.toBe(old.secret);
    expect(now.previousKeyId).toBe(old.keyId);
    const graceEnds = Date.parse(String(now.createdAt)) + 7 * DAY_MS;
    expect(Date.parse(String(now.previousRevokeAt))).toBe(graceEnds);

    const fresh = await introspect(ks, String(now.secret));
    expect(fresh).toMatchObject({
      active: true,
      scopes: ["agents:read", "conversations:read", "contacts:read"],
    });
    expect(await introspect(ks, String(old.secret))).toMatchObject({ active: true, id: old.keyId });
    // The old key still authenticates (its scopes just do not reach key management).
    const during = await ks.call("GET", "/v1/api_keys", { key: String(old.secret) });
    expect(during.status).toBe(403);

    ks.clock.advance(graceEnds - 1_000 - ks.clock.now());
    expect((await introspect(ks, String(old.secret))).active).toBe(true);
    ks.clock.advance(graceEnds + 1_000 - ks.clock.now());
    expect((await introspect(ks, String(old.secret))).active).toBe(false);
    const afterGrace = await ks.call("GET", "/v1/api_keys", { key: String(old.secret) });
    expect(afterGrace.status).toBe(401);
    const record = await ks.call("GET", `/v1/api_keys/${old.keyId}`, { key: ks.adminKey });
    expect(record.body).toMatchObject({ status: "revoked", revocation_reason: "replaced" });
    expect((await introspect(ks, String(now.secret))).active).toBe(true);
  });

  it("forgets the previous key once its grace period is over, without calling the keys API", async () => {
    proxy.reset();
    const result = await up();
    expect(result.summary.resourceChanges).toEqual({ update: 1, same: 2 });
    expect(proxy.calls).toEqual([]);
    const web = outputsOf(await stack.stack.exportStack(), "web");
    expect(web.previousKeyId).toBeUndefined();
    expect(web.previousRevokeAt).toBeUndefined();
  });

  it("rolls the key when its rotation falls due, with the same grace period", async () => {
    const old = outputsOf(await stack.stack.exportStack(), "web");
    const due = Date.parse(String(old.rotateAfter));
    expect(due).toBe(Date.parse(String(old.createdAt)) + 30 * DAY_MS);

    ks.clock.advance(due - ks.clock.now() - 60_000);
    proxy.reset();
    expect((await up()).summary.resourceChanges).toEqual({ same: 3 });
    expect(proxy.calls).toEqual([]);

    ks.clock.advance(120_000);
    const result = await up();
    expect(result.summary.resourceChanges).toEqual({ update: 1, same: 2 });
    const now = outputsOf(await stack.stack.exportStack(), "web");
    expect(now.keyId).not.toBe(old.keyId);
    expect(now.previousKeyId).toBe(old.keyId);
    expect(now.scopes).toEqual(old.scopes);
    expect(await introspect(ks, String(now.secret))).toMatchObject({ active: true });
    expect(await introspect(ks, String(old.secret))).toMatchObject({ active: true });
    ks.clock.advance(7 * DAY_MS + 1_000);
    expect((await introspect(ks, String(old.secret))).active).toBe(false);
  });

  it("moves a key to the other environment by an update: a new key there, the old one kept for the grace", async () => {
    const state = await stack.stack.exportStack();
    const old = outputsOf(state, "ci");
    ciArgs = { ...ci, environment: "live" };
    proxy.reset();
    const result = await up();
    // web updates too, without a call: the grace period of its last rotation is over, so it forgets that key.
    expect(result.summary.resourceChanges).toEqual({ update: 2, same: 1 });
    expect(outputsOf(await stack.stack.exportStack(), "web").previousKeyId).toBeUndefined();
    expect(proxy.calls).toEqual([
      "POST /v1/api_keys",
      `POST /v1/api_keys/${old.keyId}/revoke`,
      "GET /v1/api_keys",
      "GET /v1/api_keys",
    ]);
    const after = await stack.stack.exportStack();
    const now = outputsOf(after, "ci");
    expect(resourceNamed(after, "ci").id).toBe(resourceNamed(state, "ci").id);
    expect(now).toMatchObject({ environment: "live", previousKeyId: old.keyId });
    expect(await introspect(ks, String(now.secret))).toMatchObject({ active: true, environment: "live" });
    expect(String(now.secret)).toMatch(/^sk_live_/);
    // No rotation settings: the default grace period, a week.
    const graceEnds = Date.parse(String(now.previousRevokeAt));
    expect(graceEnds - Date.parse(String(now.createdAt))).toBeGreaterThanOrEqual(7 * DAY_MS - 5_000);
    expect((await introspect(ks, String(old.secret))).active).toBe(true);
    ks.clock.advance(graceEnds + 1_000 - ks.clock.now());
    expect((await introspect(ks, String(old.secret))).active).toBe(false);
    const record = await ks.call("GET", `/v1/api_keys/${old.keyId}`, { key: ks.adminKey });
    expect(record.body).toMatchObject({ status: "revoked", revocation_reason: "replaced" });
  });

  it("shows a key revoked out of band after refresh, and the next up mints a new one", async () => {
    const old = outputsOf(await stack.stack.exportStack(), "web");
    const revoked = await ks.call("POST", `/v1/api_keys/${old.keyId}/revoke`, {
      key: ks.adminKey,
      body: { reason: "compromised" },
    });
    expect(revoked.status).toBe(200);

    stack.syncClock(ks);
    await stack.stack.refresh({ onOutput: (line) => stack.output.push(line) });
    expect(outputsOf(await stack.stack.exportStack(), "web")).toMatchObject({
      keyId: old.keyId,
      status: "revoked",
    });

    proxy.reset();
    const result = await up();
    expect(result.summary.resourceChanges).toEqual({ update: 1, same: 2 });
    expect(proxy.calls).toEqual(["POST /v1/api_keys", "GET /v1/api_keys", "GET /v1/api_keys"]);
    const now = outputsOf(await stack.stack.exportStack(), "web");
    expect(now.keyId).not.toBe(old.keyId);
    expect(now.secret).not.toBe(old.secret);
    expect(now.status).toBe("active");
    expect(now.previousKeyId).toBeUndefined();
    expect((await introspect(ks, String(now.secret))).active).toBe(true);
    expect((await introspect(ks, String(old.secret))).active).toBe(false);
  });

  it("revokes every key at once on destroy", async () => {
    const state = await stack.stack.exportStack();
    const slots = [resourceNamed(state, "web").urn, resourceNamed(state, "ci").urn];
    stack.syncClock(ks);
    const result = await stack.stack.destroy({ onOutput: (line) => stack.output.push(line) });
    expect(result.summary.resourceChanges).toEqual({ delete: 3 });
    for (const slot of slots) {
      const keys = await keysOfSlot(ks, slot);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => k.status !== "revoked")).toEqual([]);
    }
    const current = [outputsOf(state, "web").keyId, outputsOf(state, "ci").keyId];
    for (const [index, slot] of slots.entries()) {
      const key = (await keysOfSlot(ks, slot)).find((k) => k.id === current[index]);
      expect(key?.revocation_reason).toBe("project_ended");
    }
    for (const secret of secrets) expect((await introspect(ks, secret)).active).toBe(false);
  });

  it("never shows a key value outside a secret: state, state file, CLI output, provider and service logs", async () => {
    expect(secrets.size).toBeGreaterThanOrEqual(5);
    const stateFile = stateFiles.join("\n");
    const cli = stack.output.join("");
    const providerLog = await stack.providerLog();
    expect(providerLog).toContain("rolled key");
    const serviceLog = ks.logs.join("");
    for (const secret of [...secrets, ks.adminKey]) {
      expect(plaintextOutsideSecrets(states, secret)).toBe(false);
      expectNoSecret(stateFile, secret);
      expectNoSecret(cli, secret);
      expectNoSecret(providerLog, secret);
      expectNoSecret(serviceLog, secret);
    }
    expect(providerLog).not.toMatch(/sk_(live|test)_[A-Za-z0-9]{20,}/);
  });
});
