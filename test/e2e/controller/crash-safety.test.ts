// Promise 1 under crashes: the controller is killed from outside (SIGKILL to its process group) right after
// a given call has passed — a key minted, rolled or revoked, a Secret or status written, a workload
// restarted — as seen by proxies in front of the keys service and kube-apiserver. After a restart each
// ApiKey has exactly one live key, its Secret holds it, and no stray key exists (found by the metadata
// every minted key carries). A kill point the controller never reaches fails the test.
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  CONTROLLER_COMMAND_LINE_FLAGS,
  CONTROLLER_ENV,
  CONTROLLER_NODE_FLAGS,
} from "../../../cli/runtime-limits.ts";
import {
  type ControllerProcess,
  type ControllerProxies,
  type ControllerTestBed,
  controllerTestBed,
  type KubeHelper,
  startControllerProcess,
  startControllerProxies,
} from "../../harness/controller.ts";
import type { TestKeyService } from "../../harness/keys-service.ts";
import { type KillPoint, KillPointNeverReached, killPoints } from "../../harness/kill-points.ts";
import type { TestNamespace } from "../../harness/namespace.ts";
import { liveTempDirs } from "../../harness/temp-dirs.ts";
import { waitFor } from "../../harness/wait.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ns: TestNamespace;
let ks: TestKeyService;
let kube: KubeHelper;
let proxies: ControllerProxies;
let ctl: ControllerProcess | undefined;

const spec = (name: string) => ({
  displayName: `Crash Test ${name}`,
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "1h",
  rotation: { gracePeriod: "10m" },
});

/** A fresh controller talking through the proxies, with no kill point armed. */
async function controller(): Promise<ControllerProcess> {
  await ctl?.stop();
  proxies.kills.disarm();
  ctl = await startControllerProcess({
    info,
    namespace: ns.name,
    kubeconfigPath: proxies.kubeconfigPath,
    keysUrl: proxies.keysUrl,
    apiKey: ks.adminKey,
    // A killed leader's Lease must expire before the next process leads: keep that short here.
    args: ["--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "1s"],
  });
  kube.context = () => ctl?.lines.slice(-30).join("\n") ?? "";
  return ctl;
}

/** Kills the running controller right after `point` passes, once `trigger` has set it going. */
async function killAt(point: KillPoint, trigger: () => Promise<unknown>): Promise<void> {
  const c = ctl;
  if (c === undefined) throw new Error("no controller is running");
  const killed = proxies.kills.arm(point, () => c.kill());
  await trigger();
  await killed;
  expect(await c.process.exited, `the controller should have been killed ${point.name}`).toEqual({
    code: null,
    signal: "SIGKILL",
  });
  ctl = undefined;
}

async function keysOf(uid: string) {
  const res = await ks.call("GET", `/v1/api_keys?limit=100&metadata[k8s_uid]=${uid}`, { key: ks.adminKey });
  return res.body.data;
}

/**
 * Exactly one active key — the one in status and in the Secret; every other live key is a previous key.
 * `replacing`: the key a rotation replaces. A rotation writes status only when it is done, so the ApiKey
 * still reads Ready with the old key while the restarted controller finishes it: wait for the new one.
 */
async function expectConverged(name: string, replacing?: string): Promise<string> {
  const o = await kube.waitReady(
    name,
    (x) => replacing === undefined || x.status?.keyId !== replacing,
    30_000,
  );
  const keyId = o.status?.keyId ?? "";
  const value = await waitFor("the Secret's key", () => kube.secretValue(name));
  const found = await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: value } });
  expect(found.body).toMatchObject({ active: true, id: keyId });
  const keys = await waitFor("no stray key", async () => {
    const all = await keysOf(o.metadata.uid ?? "");
    return all.filter((k) => k.status === "active").length === 1 ? all : undefined;
  });
  expect(keys.filter((k) => k.status === "active").map((k) => k.id)).toEqual([keyId]);
  const previous = (o.status?.previousKeys ?? []).map((p) => p.keyId);
  for (const k of keys.filter((k) => k.status === "expiring")) expect(previous).toContain(k.id);
  return keyId;
}

const annotate = (name: string, annotation: string) =>
  kube.patchApiKey(name, {
    metadata: { annotations: { [annotation]: String(Math.ceil(Date.now() / 1000) + 1) } },
  });

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-crash");
  ({ ns, ks, kube } = bed);
  proxies = await startControllerProxies(info, ks.url);
});

afterAll(async () => {
  await ctl?.stop();
  await proxies?.close();
  await bed?.close();
});

describe("crash safety", () => {
  it.each<{ name: string; point: (name: string) => KillPoint }>([
    { name: "key-create", point: (name) => killPoints.afterKeyCreate(name) },
    { name: "secret-write", point: (name) => killPoints.afterSecretWrite(ns.name, name) },
    { name: "status-write", point: (name) => killPoints.afterStatusWrite(ns.name, name) },
  ])("creates exactly one key when killed after $name", async ({ name, point }) => {
    const apiKey = `create-${name}`;
    await controller();
    await killAt(point(apiKey), () => kube.createApiKey(apiKey, spec(apiKey)));
    await controller();
    await expectConverged(apiKey);
  });

  it.each<{ name: string; annotation: string; point: (apiKey: string, before: string) => KillPoint }>([
    {
      name: "roll",
      annotation: "keys.ayra.ai/rotate",
      point: (_, before) => killPoints.afterRoll(before),
    },
    {
      name: "secret-write",
      annotation: "keys.ayra.ai/rotate",
      point: (apiKey) => killPoints.afterSecretWrite(ns.name, apiKey),
    },
    {
      name: "status-write",
      annotation: "keys.ayra.ai/rotate",
      point: (apiKey) => killPoints.afterStatusWrite(ns.name, apiKey),
    },
    {
      name: "revoke",
      annotation: "keys.ayra.ai/compromised",
      point: (_, before) => killPoints.afterRevoke([before]),
    },
    {
      name: "key-create",
      annotation: "keys.ayra.ai/compromised",
      point: (apiKey) => killPoints.afterKeyCreate(apiKey),
    },
  ])(
    "replaces the key exactly once when killed after $name during $annotation",
    async ({ name, annotation, point }) => {
      const apiKey = `${name}-${annotation.endsWith("rotate") ? "rotate" : "compromised"}`;
      await controller();
      await kube.createApiKey(apiKey, spec(apiKey));
      const before = await expectConverged(apiKey);
      await killAt(point(apiKey, before), () => annotate(apiKey, annotation));
      await controller();
      const after = await expectConverged(apiKey, before);
      expect(after).not.toBe(before);
      const o = await kube.apiKey(apiKey);
      if (annotation.endsWith("rotate"))
        expect(o.status?.previousKeys?.map((p) => p.keyId)).toEqual([before]);
      else
        expect((await ks.call("GET", `/v1/api_keys/${before}`, { key: ks.adminKey })).body.status).toBe(
          "revoked",
        );
      const minted = (await keysOf(o.metadata.uid ?? "")).length;
      expect(minted).toBe(2);
    },
  );

  it("restarts a target exactly once when killed after restarting it", async () => {
    await kube.rest.create(`/apis/apps/v1/namespaces/${ns.name}/deployments`, {
      metadata: { name: "consumer" },
      spec: {
        selector: { matchLabels: { app: "consumer" } },
        template: {
          metadata: { labels: { app: "consumer" } },
          spec: { containers: [{ name: "c", image: "example.invalid/c:1" }] },
        },
      },
    });
    await controller();
    await kube.createApiKey("restarts", {
      ...spec("restarts"),
      restartTargets: [{ kind: "Deployment", name: "consumer" }],
    });
    const before = await expectConverged("restarts");
    await killAt(killPoints.afterWorkloadRestart(ns.name, "deployments", "consumer"), () =>
      annotate("restarts", "keys.ayra.ai/rotate"),
    );
    await controller();
    const keyId = await expectConverged("restarts", before);
    const d = await kube.rest.get<{
      metadata: { generation: number };
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    }>(`/apis/apps/v1/namespaces/${ns.name}/deployments/consumer`);
    expect(d.metadata.generation).toBe(2);
    expect(d.spec.template.metadata.annotations["keys.ayra.ai/restarted-for"]).toBe(keyId);
    expect((await kube.apiKey("restarts")).status?.restartedFor).toBe(keyId);
  });

  it("revokes every key of a deleted ApiKey when killed after revoking the first", async () => {
    await controller();
    await kube.createApiKey("doomed", spec("doomed"));
    await expectConverged("doomed");
    await annotate("doomed", "keys.ayra.ai/rotate");
    const o = await kube.waitReady("doomed", (x) => (x.status?.previousKeys ?? []).length === 1);
    const ids = [o.status?.keyId ?? "", ...(o.status?.previousKeys ?? []).map((p) => p.keyId)];
    await killAt(killPoints.afterRevoke(ids), () => kube.deleteApiKey("doomed"));
    await controller();
    await waitFor("the ApiKey to be gone", () =>
      kube.apiKey("doomed").then(
        () => false,
        () => true,
      ),
    );
    const keys = await waitFor("every key revoked", async () => {
      const all = await keysOf(o.metadata.uid ?? "");
      return all.every((k) => k.status === "revoked") ? all : undefined;
    });
    expect(keys).toHaveLength(2);
  });
});

describe("the crash harness", () => {
  it("fails loudly when the controller never makes the call a kill point waits for", async () => {
    await controller();
    const never = proxies.kills.arm(killPoints.afterRoll("key_that_does_not_exist"), () => ctl?.kill(), {
      timeoutMs: 5_000,
    });
    await kube.createApiKey("never-rolled", spec("never-rolled"));
    await expect(never).rejects.toBeInstanceOf(KillPointNeverReached);
    await expect(never).rejects.toThrow(/kill point "after roll" .* never reached/);
    await expectConverged("never-rolled");
  });

  it("removes the folder holding a controller's management key when it stops or is killed", async () => {
    const stopped = await controller();
    expect(existsSync(stopped.dir)).toBe(true);
    await stopped.stop();
    ctl = undefined;
    const killed = await controller();
    await killed.kill();
    ctl = undefined;
    for (const dir of [stopped.dir, killed.dir]) {
      expect(existsSync(dir)).toBe(false);
      expect(liveTempDirs()).not.toContain(dir);
    }
  });
});

describe("the controller process", () => {
  it("runs with its own heap and malloc limits, in place (same pid), whatever the host", async () => {
    const c = await controller();
    const pid = c.process.child.pid ?? 0;
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    for (const flag of [...CONTROLLER_NODE_FLAGS, ...CONTROLLER_COMMAND_LINE_FLAGS])
      expect(args).toContain(flag);
    for (const [name, value] of Object.entries(CONTROLLER_ENV)) expect(env).toContain(`${name}=${value}`);
    expect(args).toContain("controller");
  });
});
