// A keys API that fails 30 % of calls (500, 429 with Retry-After, and calls executed but never answered):
// every ApiKey still converges, through creation and a rotation, with no duplicate key.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  type KubeHelper,
  startControllerProcess,
} from "../../harness/controller.ts";
import { type FaultyProxy, startFaultyProxy } from "../../harness/faulty-proxy.ts";
import type { TestKeyService } from "../../harness/keys-service.ts";
import type { TestNamespace } from "../../harness/namespace.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ns: TestNamespace;
let ks: TestKeyService;
let proxy: FaultyProxy;
let ctl: ControllerProcess;
let kube: KubeHelper;
const NAMES = Array.from({ length: 12 }, (_, i) => `flaky-${i}`);

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-flaky");
  ({ ns, ks, kube } = bed);
  proxy = await startFaultyProxy(ks.url, { failureRate: 0.3, seed: 7 });
  ctl = await startControllerProcess({
    info,
    namespace: ns.name,
    keysUrl: proxy.url,
    apiKey: ks.adminKey,
    args: ["--keys-api-timeout", "1s"],
  });
  kube.context = () => ctl.lines.slice(-20).join("\n");
});

afterAll(async () => {
  await ctl?.stop();
  await proxy?.close();
  await bed?.close();
});

async function expectOneLiveKeyEach(): Promise<void> {
  for (const name of NAMES) {
    const o = await kube.waitReady(name, () => true, 60_000);
    const keys = (
      await ks.call("GET", `/v1/api_keys?limit=100&metadata[k8s_uid]=${o.metadata.uid}`, { key: ks.adminKey })
    ).body.data;
    expect(
      keys.filter((k) => k.status === "active").map((k) => k.id),
      name,
    ).toEqual([o.status?.keyId]);
    const previous = (o.status?.previousKeys ?? []).map((p) => p.keyId);
    expect(
      keys
        .filter((k) => k.status === "expiring")
        .map((k) => k.id)
        .sort(),
      name,
    ).toEqual(previous.sort());
    const value = await kube.secretValue(name);
    expect(
      (await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: value } })).body.id,
    ).toBe(o.status?.keyId);
  }
}

describe("a keys API failing 30 % of calls", () => {
  it("still converges every ApiKey with exactly one live key, through creation and rotation", async () => {
    await Promise.all(
      NAMES.map((name) =>
        kube.createApiKey(name, {
          displayName: `Flaky Service ${name}`,
          environment: "test",
          scopes: ["agents:read"],
          expiresAfter: "1h",
          rotation: { gracePeriod: "10m" },
        }),
      ),
    );
    await expectOneLiveKeyEach();
    const at = String(Math.ceil(Date.now() / 1000) + 1);
    await Promise.all(
      NAMES.map((name) =>
        kube.patchApiKey(name, { metadata: { annotations: { "keys.ayra.ai/rotate": at } } }),
      ),
    );
    for (const name of NAMES) await kube.waitReady(name, (o) => o.status?.handledRotate === at, 60_000);
    await expectOneLiveKeyEach();
    expect(proxy.stats.failed500 + proxy.stats.failed429 + proxy.stats.hung).toBeGreaterThan(5);
    expect(proxy.stats.hung).toBeGreaterThan(0);
  });
});
