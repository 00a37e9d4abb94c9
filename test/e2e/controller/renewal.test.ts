// Renewal before expiry with no rotation declared, seen from outside: a 30-second key is renewed at two thirds of
// its lifetime, twice, while a reader verifies the Secret's key against the keys service every 100 ms (zero
// failures), each old key working until its own expiry; and a key that expired while the controller was stopped
// is replaced as soon as it starts.
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
let ctl: ControllerProcess;
let kube: KubeHelper;

const startController = () =>
  startControllerProcess({ info, namespace: ns.name, keysUrl: ks.url, apiKey: ks.adminKey });

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-renew");
  ({ ns, ks, kube } = bed);
  ctl = await startController();
  kube.context = () => ctl.lines.slice(-30).join("\n");
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

interface KeyRecord {
  id: string;
  status: string;
  created_at: string;
  expires_at: string | null;
  expiring_at: string | null;
}

async function record(id: string): Promise<KeyRecord> {
  return (await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body as unknown as KeyRecord;
}

async function introspect(value: string): Promise<{ active: boolean; id?: string }> {
  const res = await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: value } });
  return res.body as unknown as { active: boolean; id?: string };
}

const lifetimeKey = (displayName: string) => ({
  displayName,
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "30s",
});

describe("renewal before expiry", () => {
  it("renews a 30-second key twice before it expires, with zero failed verifications", async () => {
    await kube.createApiKey("renewed", lifetimeKey("Renewal Reader Service"));
    const first = await kube.waitReady("renewed");
    const keyIds: string[] = [first.status?.keyId ?? ""];
    let reads = 0;
    const failures: string[] = [];
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        const started = Date.now();
        const value = await kube.secretValue("renewed");
        if (value === undefined) failures.push("no key in the Secret");
        else {
          const answer = await introspect(value);
          reads++;
          if (answer.active !== true) failures.push(`inactive key at read ${reads}`);
          else if (answer.id !== undefined && !keyIds.includes(answer.id)) keyIds.push(answer.id);
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
      }
    })();
    try {
      await waitFor("two renewals", () => keyIds.length >= 3, { timeoutMs: 75_000 });
    } finally {
      stop = true;
      await reader;
    }
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(250);

    // Each key was replaced inside its renewal window (after two thirds of its lifetime, before its expiry),
    // and the replaced key stayed valid until its own expiry: the grace period never outlives the key.
    const [k0, k1, k2] = await Promise.all(keyIds.slice(0, 3).map(record));
    for (const [old, next] of [
      [k0, k1],
      [k1, k2],
    ] as const) {
      const created = Date.parse(old?.created_at ?? "");
      const expires = Date.parse(old?.expires_at ?? "");
      const renewed = Date.parse(next?.created_at ?? "");
      expect(expires - created).toBeGreaterThanOrEqual(29_000);
      expect(renewed).toBeGreaterThanOrEqual(created + ((expires - created) * 2) / 3 - 1_000);
      expect(renewed).toBeLessThan(expires);
    }
    // Past its own expiry the first key works no more (expired, or revoked as replaced at that deadline).
    expect(["expired", "revoked"]).toContain(k0?.status);
    const renewedOnce = await kube.waitReady("renewed", (o) => o.status?.keyId === keyIds[2]);
    const previous = renewedOnce.status?.previousKeys?.[0];
    if (previous !== undefined) {
      expect(previous.keyId).toBe(keyIds[1]);
      expect(Date.parse(previous.revokeAfter)).toBe(Date.parse(k1?.expires_at ?? ""));
    }
    const events = await kube.events();
    expect(
      events.filter((e) => e.involvedObject.name === "renewed" && e.reason === "RenewBeforeExpiry").length,
    ).toBeGreaterThanOrEqual(2);
    await kube.deleteApiKey("renewed");
  });

  it("replaces at start a key that expired while the controller was stopped", async () => {
    await kube.createApiKey("dormant", lifetimeKey("Dormant Reader Service"));
    const before = await kube.waitReady("dormant");
    const oldId = before.status?.keyId ?? "";
    const oldValue = (await kube.secretValue("dormant")) ?? "";
    expect((await introspect(oldValue)).active).toBe(true);

    await ctl.stop();
    await waitFor(
      "the key to expire while the controller is stopped",
      async () => {
        return (await record(oldId)).status === "expired";
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    expect((await introspect(oldValue)).active).toBe(false);

    const restartedAt = Date.now();
    ctl = await startController();
    const after = await kube.waitReady("dormant", (o) => o.status?.keyId !== oldId, 30_000);
    const replacedIn = Date.now() - restartedAt;
    const value = (await kube.secretValue("dormant")) ?? "";
    expect(await introspect(value)).toMatchObject({ active: true, id: after.status?.keyId });
    // Replaced at once, not at the next renewal window of a fresh lifetime (20 s away).
    expect(replacedIn).toBeLessThan(15_000);
    expect(after.status?.previousKeys ?? []).toEqual([]);
    const events = await kube.events();
    expect(
      events.some(
        (e) => e.involvedObject.name === "dormant" && (e.reason === "KeyExpired" || e.reason === "Expired"),
      ),
    ).toBe(true);
  });
});
