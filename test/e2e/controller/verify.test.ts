// The seed's "Verify" step with the real controller and API server: after a rotation of a key with a
// quietPeriod, a consumer that never switches to the new key keeps the old key from being revoked early
// (however quiet it is), and at the end of the grace period the ApiKey says so with a Warning.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  type KubeHelper,
  startControllerProcess,
} from "../../harness/controller.ts";
import type { TestKeyService } from "../../harness/keys-service.ts";
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
  });
});
