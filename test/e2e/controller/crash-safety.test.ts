// Promise 1 under crashes: the controller SIGKILLs itself at a fault point (AYRA_KEYS_FAULT) right after a
// step; after a restart each ApiKey has exactly one live key, its Secret holds it, and no stray key exists
// (found by the metadata every minted key carries).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { FaultPoint } from "../../../controller/faults.ts";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  type KubeHelper,
  startControllerProcess,
} from "../../harness/controller.ts";
import type { TestKeyService } from "../../harness/keys-service.ts";
import type { TestNamespace } from "../../harness/namespace.ts";
import { waitFor } from "../../harness/wait.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ns: TestNamespace;
let ks: TestKeyService;
let kube: KubeHelper;
let ctl: ControllerProcess | undefined;

const spec = (name: string) => ({
  displayName: `Crash Test ${name}`,
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "1h",
  rotation: { gracePeriod: "10m" },
});

async function controller(fault?: FaultPoint): Promise<ControllerProcess> {
  await ctl?.stop();
  ctl = await startControllerProcess({
    info,
    namespace: ns.name,
    keysUrl: ks.url,
    apiKey: ks.adminKey,
    env: fault ? { AYRA_KEYS_FAULT: fault } : {},
    // A killed leader's Lease must expire before the next process leads: keep that short here.
    args: ["--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "1s"],
    name: fault ? `controller-${fault}` : "controller",
  });
  kube.context = () => ctl?.lines.slice(-30).join("\n") ?? "";
  return ctl;
}

async function crashedAt(c: ControllerProcess, point: string): Promise<void> {
  const exit = await Promise.race([
    c.process.exited,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 30_000)),
  ]);
  expect(exit, `the controller should have crashed at ${point}:\n${c.process.output()}`).toEqual({
    code: null,
    signal: "SIGKILL",
  });
  ctl = undefined;
}

async function keysOf(uid: string) {
  const res = await ks.call("GET", `/v1/api_keys?limit=100&metadata[k8s_uid]=${uid}`, { key: ks.adminKey });
  return res.body.data;
}

/** Exactly one active key — the one in status and in the Secret; every other live key is a previous key. */
async function expectConverged(name: string): Promise<string> {
  const o = await kube.waitReady(name, () => true, 30_000);
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

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-crash");
  ({ ns, ks, kube } = bed);
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

describe("crash safety", () => {
  it.each<FaultPoint>(["after-intent", "after-create", "after-secret", "after-status"])(
    "creates exactly one key when killed %s",
    async (point) => {
      const c = await controller(point);
      await kube.createApiKey(`create-${point}`, spec(point));
      await crashedAt(c, point);
      await controller();
      await expectConverged(`create-${point}`);
    },
  );

  it.each<{ point: FaultPoint; annotation: string }>([
    { point: "after-roll", annotation: "keys.ayra.ai/rotate" },
    { point: "after-secret", annotation: "keys.ayra.ai/rotate" },
    { point: "after-revoke-compromised", annotation: "keys.ayra.ai/compromised" },
    { point: "after-create", annotation: "keys.ayra.ai/compromised" },
  ])("replaces the key exactly once when killed $point during $annotation", async ({ point, annotation }) => {
    const name = `${point}-${annotation.endsWith("rotate") ? "rotate" : "compromised"}`;
    await controller();
    await kube.createApiKey(name, spec(name));
    const before = await expectConverged(name);
    const c = await controller(point);
    await kube.patchApiKey(name, {
      metadata: { annotations: { [annotation]: String(Math.ceil(Date.now() / 1000) + 1) } },
    });
    await crashedAt(c, point);
    await controller();
    const after = await expectConverged(name);
    expect(after).not.toBe(before);
    const o = await kube.apiKey(name);
    if (annotation.endsWith("rotate")) expect(o.status?.previousKeys?.map((p) => p.keyId)).toEqual([before]);
    else
      expect((await ks.call("GET", `/v1/api_keys/${before}`, { key: ks.adminKey })).body.status).toBe(
        "revoked",
      );
    const minted = (await keysOf(o.metadata.uid ?? "")).length;
    expect(minted).toBe(2);
  });

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
    await expectConverged("restarts");
    const c = await controller("after-restart");
    await kube.patchApiKey("restarts", {
      metadata: { annotations: { "keys.ayra.ai/rotate": String(Math.ceil(Date.now() / 1000) + 1) } },
    });
    await crashedAt(c, "after-restart");
    await controller();
    const keyId = await expectConverged("restarts");
    const d = await kube.rest.get<{
      metadata: { generation: number };
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    }>(`/apis/apps/v1/namespaces/${ns.name}/deployments/consumer`);
    expect(d.metadata.generation).toBe(2);
    expect(d.spec.template.metadata.annotations["keys.ayra.ai/restarted-for"]).toBe(keyId);
    expect((await kube.apiKey("restarts")).status?.restartedFor).toBe(keyId);
  });

  it("revokes every key of a deleted ApiKey when killed in the middle of finalizing", async () => {
    await controller();
    await kube.createApiKey("doomed", spec("doomed"));
    await expectConverged("doomed");
    await kube.patchApiKey("doomed", {
      metadata: { annotations: { "keys.ayra.ai/rotate": String(Math.ceil(Date.now() / 1000) + 1) } },
    });
    const o = await kube.waitReady("doomed", (x) => (x.status?.previousKeys ?? []).length === 1);
    const c = await controller("after-finalize-revoke");
    await kube.deleteApiKey("doomed");
    await crashedAt(c, "after-finalize-revoke");
    await controller();
    await waitFor("the ApiKey to be gone", () =>
      kube.apiKey("doomed").then(
        () => false,
        () => true,
      ),
    );
    const keys = await keysOf(o.metadata.uid ?? "");
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(k.status).toBe("revoked");
  });
});
