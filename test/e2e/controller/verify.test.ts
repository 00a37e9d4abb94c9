// The seed's "Verify" step with the real controller and API server: after a rotation of a key with a
// quietPeriod, a consumer that never switches to the new key keeps the old key from being revoked early
// (however quiet it is); Ready says so once the quiet period has passed, and at the end of the grace period
// a Warning says so and Ready keeps saying it. The controller's own check of the new key (the verify step,
// before it drops the old one) is not counted as a use.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  type KubeHelper,
  startControllerProcess,
} from "../../harness/controller.ts";
import { createKey, type TestKeyService } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ks: TestKeyService;
let ctl: ControllerProcess;
let kube: KubeHelper;

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-verify");
  ({ ks, kube } = bed);
  ctl = await startControllerProcess({ info, namespace: bed.ns.name, keysUrl: ks.url, apiKey: ks.adminKey });
  kube.context = () => ctl.lines.slice(-30).join("\n");
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

describe("verify after rotation", () => {
  it("keeps the quiet old key for its whole grace period when the new key is never used, and warns", async () => {
    await kube.createApiKey("ledger", {
      displayName: "Ledger Sync",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
      rotation: { gracePeriod: "8s", quietPeriod: "1s" },
    });
    const before = await kube.waitReady("ledger");
    const oldId = String(before.status?.keyId);
    const oldValue = String(await kube.secretValue("ledger"));
    await kube.patchApiKey("ledger", {
      metadata: { annotations: { "keys.ayra.ai/rotate": String(Math.ceil(Date.now() / 1000) + 1) } },
    });
    const rotated = await kube.waitReady("ledger", (o) => o.status?.keyId !== oldId);
    const newId = String(rotated.status?.keyId);
    // The consumer still runs on its old copy once, then goes idle: the old key is quiet, the new one unused.
    expect(
      (await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: oldValue } })).body
        .active,
    ).toBe(true);
    const oldRecord = (await ks.call("GET", `/v1/api_keys/${oldId}`, { key: ks.adminKey })).body;
    const deadline = Date.parse(String(oldRecord.expiring_at));

    // Past the quiet period, still inside the grace period: Ready says the new key is not picked up, and the
    // old key is kept (in status and in the Secret) instead of being revoked early.
    const holding = await waitFor(
      "Ready to say NewKeyNotAdopted during the grace period",
      async () => {
        const o = await kube.apiKey("ledger");
        const ready = o.status?.conditions?.find((c) => c.type === "Ready");
        return ready?.reason === "NewKeyNotAdopted" ? { o, ready } : undefined;
      },
      { timeoutMs: 30_000, context: () => ctl.lines.slice(-20).join("\n") },
    );
    expect(Date.now()).toBeLessThan(deadline);
    expect(holding.ready.status).toBe("True");
    expect(holding.ready.message).toContain(newId);
    expect(holding.ready.message).toContain(oldId);
    expect(holding.o.status?.previousKeys?.map((p) => p.keyId)).toEqual([oldId]);
    expect(await kube.secretValue("ledger", "apiKeyPrevious")).toBe(oldValue);

    const warning = await waitFor(
      "a NewKeyNotAdopted Warning",
      async () =>
        (await kube.events()).find(
          (e) => e.reason === "NewKeyNotAdopted" && e.involvedObject.name === "ledger",
        ),
      { timeoutMs: 30_000, context: () => ctl.lines.slice(-20).join("\n") },
    );
    expect(warning.type).toBe("Warning");
    expect(warning.message).toContain(newId);
    expect(warning.message).toContain(oldId);

    // Counted for the alert rule (AyraKeysNewKeyNotAdopted).
    const metrics = await (await fetch(`${ctl.url}/metrics`)).text();
    expect(metrics).toMatch(/^ayra_keys_controller_warnings_total\{reason="NewKeyNotAdopted"\} 1$/m);

    // Never revoked early: the keys service revoked it at its grace deadline, not the controller before.
    const revoked = (await ks.call("GET", `/v1/api_keys/${oldId}`, { key: ks.adminKey })).body;
    expect(revoked.status).toBe("revoked");
    expect(Date.parse(String(revoked.revoked_at))).toBeGreaterThanOrEqual(deadline);
    const events = await kube.events();
    expect(
      events.filter((e) => e.reason === "PreviousKeyQuiet" && e.involvedObject.name === "ledger"),
    ).toEqual([]);

    // The old key left the Secret only after the controller had checked the new one (the verify step)…
    const after = await waitFor(
      "the previous key to leave the Secret",
      async () => ((await kube.secretValue("ledger", "apiKeyPrevious")) === undefined ? true : undefined),
      { timeoutMs: 30_000 },
    );
    expect(after).toBe(true);
    const checked = ctl.lines.filter(
      (l) => l.includes("the current key introspects active") && l.includes(newId),
    );
    expect(checked).toHaveLength(1);
    // …and Ready keeps saying the new key was not picked up within the grace period.
    const settled = await kube.waitReady("ledger", (o) => (o.status?.previousKeys ?? []).length === 0);
    const ready = settled.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready?.reason).toBe("NewKeyNotAdopted");
    expect(ready?.message).toContain("within the grace period");

    // That check was not a use: once a later use of another key is written (usage is flushed in batches),
    // the new key still has none.
    const control = await createKey(ks, {
      name: "Flush Control",
      environment: "test",
      scopes: ["agents:read"],
    });
    expect(
      (await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: control.secret } }))
        .body.active,
    ).toBe(true);
    await waitFor(
      "the control key's use to be written",
      async () =>
        (await ks.call("GET", `/v1/api_keys/${control.id}/usage`, { key: ks.adminKey })).body.last_used_at,
    );
    const newUsage = (await ks.call("GET", `/v1/api_keys/${newId}/usage`, { key: ks.adminKey })).body;
    expect(newUsage.last_used_at).toBeNull();
    expect(newUsage.hourly).toEqual([]);
  });
});
