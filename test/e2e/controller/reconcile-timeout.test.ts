// A reconcile past its timeout is aborted before its ApiKey is released: the keys-API create is held by the
// proxy (never answered) past --reconcile-timeout; the controller cancels the call, and only then does a
// worker take the ApiKey again. The proxy counts callers in flight per ApiKey: never two at once.
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
let ctl: ControllerProcess;
let heldOnce = false;

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-timeout");
  // The first create is held; every later request passes.
  proxy = await startHoldingProxy(bed.ks.url, {
    hold: (method, path) => {
      if (heldOnce || method !== "POST" || path !== "/v1/api_keys") return false;
      heldOnce = true;
      return true;
    },
  });
  ctl = await startControllerProcess({
    info,
    namespace: bed.ns.name,
    keysUrl: proxy.url,
    apiKey: bed.ks.adminKey,
    args: ["--reconcile-timeout", "2s", "--keys-api-timeout", "30s", "--concurrency", "4"],
  });
  bed.kube.context = () => ctl.lines.slice(-30).join("\n");
});

afterAll(async () => {
  await ctl?.stop();
  await proxy?.close();
  await bed?.close();
});

describe("a reconcile past its timeout", () => {
  it("is aborted before its ApiKey is released, and never runs beside a second worker", async () => {
    await bed.kube.createApiKey("slow", {
      displayName: "Slow Create",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
    });
    await waitFor("the create to be held", async () => proxy.stats.held === 1);
    const ready = await bed.kube.waitReady("slow", () => true, 60_000);
    const uid = ready.metadata.uid;
    // The held call was cancelled by the controller (its connection closed), not answered.
    expect(proxy.stats.abandoned).toBe(1);
    expect(ctl.lines.some((l) => l.includes("reconcile timed out after 2000 ms"))).toBe(true);
    expect(proxy.maxConcurrent(uid)).toBe(1);
    const keys = await bed.ks.call("GET", `/v1/api_keys?limit=100&metadata[k8s_uid]=${uid}`, {
      key: bed.ks.adminKey,
    });
    expect(keys.body.data.map((k) => k.status)).toEqual(["active"]);
    expect(keys.body.data[0]?.id).toBe(ready.status?.keyId);
  });
});
