// Two replicas, one Lease: only the leader acts (no double minting), a SIGKILLed leader is replaced within
// 15 s, and a replica stopped gracefully hands over at once.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
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
const replicas: ControllerProcess[] = [];

const spec = (n: string) => ({
  displayName: `Failover ${n}`,
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "1h",
});

async function replica(name: string): Promise<ControllerProcess> {
  const c = await startControllerProcess({
    info,
    namespace: ns.name,
    keysUrl: ks.url,
    apiKey: ks.adminKey,
    name,
    waitReady: false,
  });
  replicas.push(c);
  return c;
}

async function isLeader(c: ControllerProcess): Promise<boolean> {
  const res = await fetch(`${c.url}/readyz`).catch(() => undefined);
  if (res === undefined) return false;
  return ((await res.json()) as { leader: boolean }).leader;
}

async function leaderOf(cs: ControllerProcess[]): Promise<ControllerProcess> {
  return waitFor(
    "one leader",
    async () => {
      const flags = await Promise.all(cs.map(isLeader));
      return flags.filter(Boolean).length === 1 ? cs[flags.indexOf(true)] : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

async function liveKeys(name: string): Promise<string[]> {
  const o = await kube.apiKey(name);
  const res = await ks.call("GET", `/v1/api_keys?limit=100&metadata[k8s_uid]=${o.metadata.uid}`, {
    key: ks.adminKey,
  });
  return res.body.data.filter((k) => k.status === "active").map((k) => k.id);
}

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-leader");
  ({ ns, ks, kube } = bed);
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await bed?.close();
});

describe("leader election", () => {
  it("acts through one leader, fails over within 15 s of a crash, and hands over at once on a graceful stop", async () => {
    const [a, b] = [await replica("replica-a"), await replica("replica-b")];
    const leader = await leaderOf([a as ControllerProcess, b as ControllerProcess]);
    const standby = leader === a ? (b as ControllerProcess) : (a as ControllerProcess);
    for (const n of ["one", "two", "three"]) await kube.createApiKey(n, spec(n));
    for (const n of ["one", "two", "three"]) {
      const o = await kube.waitReady(n);
      expect(await liveKeys(n)).toEqual([o.status?.keyId]);
    }
    expect(standby.lines.some((l) => l.includes('"msg":"key in place"'))).toBe(false);

    const killedAt = Date.now();
    await leader.kill();
    await kube.createApiKey("after-crash", spec("after-crash"));
    await kube.waitReady("after-crash", () => true, 20_000);
    const failover = Date.now() - killedAt;
    expect(failover).toBeLessThan(15_000);
    expect(await isLeader(standby)).toBe(true);
    expect(await liveKeys("after-crash")).toHaveLength(1);

    const third = await replica("replica-c");
    await waitFor(
      "the third replica to be ready",
      async () => (await fetch(`${third.url}/readyz`).catch(() => undefined))?.ok,
    );
    const stoppedAt = Date.now();
    await standby.stop();
    await waitFor("the third replica to lead", () => isLeader(third), { timeoutMs: 10_000 });
    expect(Date.now() - stoppedAt).toBeLessThan(6_000);
    await kube.createApiKey("after-handover", spec("after-handover"));
    await kube.waitReady("after-handover");
    for (const n of ["one", "two", "three", "after-crash", "after-handover"])
      expect(await liveKeys(n)).toHaveLength(1);
  });
});
