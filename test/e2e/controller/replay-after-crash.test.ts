// Promise 1 with no intent written before a mint: the controller is killed from outside right after the keys
// service executed its create (or roll), before the answer reaches it. The next controller rebuilds the same
// Idempotency-Key from the ApiKey's uid and its keys' revision, sends the same request, and gets the same key
// back: exactly one key minted per request, no stray.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  startControllerProcess,
} from "../../harness/controller.ts";
import { type HoldingProxy, startHoldingProxy } from "../../harness/holding-proxy.ts";
import { waitFor } from "../../harness/wait.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let proxy: HoldingProxy;
let ctl: ControllerProcess | undefined;
/** The call after whose execution the controller dies (once). */
let killAfter: ((method: string, path: string) => boolean) | undefined;
let killed = 0;

async function controller(): Promise<ControllerProcess> {
  ctl = await startControllerProcess({
    info,
    namespace: bed.ns.name,
    keysUrl: proxy.url,
    apiKey: bed.ks.adminKey,
    args: ["--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "1s"],
  });
  bed.kube.context = () => ctl?.lines.slice(-30).join("\n") ?? "";
  return ctl;
}

async function keysOf(uid: string) {
  const res = await bed.ks.call("GET", `/v1/api_keys?limit=100&metadata[k8s_uid]=${uid}`, {
    key: bed.ks.adminKey,
  });
  return res.body.data;
}

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-replay");
  proxy = await startHoldingProxy(bed.ks.url, {
    hold: () => false,
    beforeAnswer: async (method, path) => {
      if (killAfter === undefined || !killAfter(method, path) || ctl === undefined) return;
      killAfter = undefined;
      const dying = ctl;
      ctl = undefined;
      await dying.kill();
      killed++;
    },
  });
});

afterAll(async () => {
  await ctl?.stop();
  await proxy?.close();
  await bed?.close();
});

const spec = {
  displayName: "Replay Reader",
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "1h",
  rotation: { gracePeriod: "10m" },
};

describe("killed between a mint and its answer", () => {
  it("creates exactly one key: the restarted controller replays the same create", async () => {
    killAfter = (method, path) => method === "POST" && path === "/v1/api_keys";
    await controller();
    await bed.kube.createApiKey("replayed", spec);
    await waitFor("the controller to be killed after the create", async () => killed === 1);
    await controller();
    const ready = await bed.kube.waitReady("replayed", () => true, 60_000);
    const keys = await keysOf(ready.metadata.uid);
    expect(keys.map((k) => [k.id, k.status])).toEqual([[ready.status?.keyId, "active"]]);
    const value = await bed.kube.secretValue("replayed");
    const found = await bed.ks.call("POST", "/v1/api_keys/introspect", {
      key: bed.ks.adminKey,
      body: { key: value },
    });
    expect(found.body).toMatchObject({ active: true, id: ready.status?.keyId });
  });

  it("rolls exactly once: the restarted controller replays the same roll", async () => {
    const before = await bed.kube.waitReady("replayed");
    killAfter = (method, path) => method === "POST" && path.endsWith("/roll");
    await bed.kube.patchApiKey("replayed", {
      metadata: { annotations: { "keys.ayra.ai/rotate": String(Math.ceil(Date.now() / 1000) + 1) } },
    });
    await waitFor("the controller to be killed after the roll", async () => killed === 2);
    await controller();
    const after = await bed.kube.waitReady(
      "replayed",
      (o) => o.status?.keyId !== before.status?.keyId,
      60_000,
    );
    expect(after.status?.previousKeys?.map((p) => p.keyId)).toEqual([before.status?.keyId]);
    const keys = await keysOf(after.metadata.uid);
    expect(keys.map((k) => k.status).sort()).toEqual(["active", "expiring"]);
    expect(keys.find((k) => k.status === "active")?.id).toBe(after.status?.keyId);
  });
});
