// The verify step with the real controller and API server: a new key revoked out of band right after its
// rotation (and before the controller's drift list could tell it) fails the controller's introspection when
// the previous key's grace period ends. Nothing is retired — the previous key stays in the Secret and in
// status — Ready says NewKeyNotActive with a Warning, and the check is repeated with backoff. The check
// itself is never counted as an attempt to use the revoked key.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  type KubeHelper,
  startControllerProcess,
} from "../../harness/controller.ts";
import { createKey, type TestKeyService } from "../../harness/keys-service.ts";
import { expectNoSecret } from "../../harness/no-secret.ts";
import { waitFor } from "../../harness/wait.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ks: TestKeyService;
let ctl: ControllerProcess;
let kube: KubeHelper;

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-verify-active");
  ({ ks, kube } = bed);
  // A drift list once an hour: the out-of-band revocation is seen only by the verify step's introspection.
  ctl = await startControllerProcess({
    info,
    namespace: bed.ns.name,
    keysUrl: ks.url,
    apiKey: ks.adminKey,
    args: ["--drift-interval", "1h"],
  });
  kube.context = () => ctl.lines.slice(-30).join("\n");
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

const logsOf = (message: string, keyId: string) =>
  ctl.lines
    .filter((l) => l.includes(message) && l.includes(keyId))
    .map((l) => JSON.parse(l) as { failures?: number });

describe("verify before retiring", () => {
  it("retires nothing while the new key does not introspect active, and says why", async () => {
    await kube.createApiKey("ledger", {
      displayName: "Ledger Sync",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
      rotation: { gracePeriod: "6s" },
    });
    const before = await kube.waitReady("ledger");
    const oldId = String(before.status?.keyId);
    const oldValue = String(await kube.secretValue("ledger"));
    await kube.patchApiKey("ledger", {
      metadata: { annotations: { "keys.ayra.ai/rotate": String(Math.ceil(Date.now() / 1000) + 1) } },
    });
    const rotated = await kube.waitReady("ledger", (o) => o.status?.keyId !== oldId);
    const newId = String(rotated.status?.keyId);
    const newValue = String(await kube.secretValue("ledger"));
    expect(await kube.secretValue("ledger", "apiKeyPrevious")).toBe(oldValue);

    // Out of band, right after the roll: the new key is revoked.
    const revoked = await ks.call("POST", `/v1/api_keys/${newId}/revoke`, {
      key: ks.adminKey,
      body: { reason: "compromised" },
    });
    expect(revoked.status).toBe(200);

    // At the end of the grace period the controller checks the new key before dropping the old one.
    const held = await waitFor(
      "Ready to say NewKeyNotActive",
      async () => {
        const o = await kube.apiKey("ledger");
        const ready = o.status?.conditions?.find((c) => c.type === "Ready");
        return ready?.reason === "NewKeyNotActive" ? { o, ready } : undefined;
      },
      { timeoutMs: 30_000, context: () => ctl.lines.slice(-20).join("\n") },
    );
    expect(held.ready.status).toBe("False");
    expect(held.ready.message).toContain(newId);
    expect(held.ready.message).toContain(oldId);
    expect(held.o.status?.conditions?.find((c) => c.type === "Reconciling")).toMatchObject({
      status: "True",
      reason: "NewKeyNotActive",
    });
    const warning = await waitFor("a NewKeyNotActive Warning", async () =>
      (await kube.events()).find((e) => e.reason === "NewKeyNotActive" && e.involvedObject.name === "ledger"),
    );
    expect(warning.type).toBe("Warning");
    expect(warning.message).toBe(held.ready.message);

    // Checked again with backoff (5 s after the first failure), and still nothing retired.
    const retried = await waitFor(
      "a second check of the new key",
      async () => logsOf("does not introspect active", newId).find((l) => l.failures === 2),
      { timeoutMs: 30_000 },
    );
    expect(retried.failures).toBe(2);
    const after = await kube.apiKey("ledger");
    expect(after.status?.previousKeys?.map((p) => p.keyId)).toEqual([oldId]);
    expect(after.status?.keyId).toBe(newId);
    expect(await kube.secretValue("ledger", "apiKeyPrevious")).toBe(oldValue);
    expect(after.status?.conditions?.find((c) => c.type === "Ready")?.reason).toBe("NewKeyNotActive");
    // Said once, not once per check.
    const warnings = (await kube.events()).filter(
      (e) => e.reason === "NewKeyNotActive" && e.involvedObject.name === "ledger",
    );
    expect(warnings).toHaveLength(1);
    // Counted once for the alert rule (AyraKeysNewKeyNotActive).
    const metrics = await (await fetch(`${ctl.url}/metrics`)).text();
    expect(metrics).toMatch(/^ayra_keys_controller_warnings_total\{reason="NewKeyNotActive"\} 1$/m);
    expect(logsOf("the current key introspects active", newId)).toEqual([]);

    // The controller's checks of the revoked key are not attempts to use it: once a later attempt with
    // another revoked key is written (attempts are flushed in batches), the new key has none.
    const control = await createKey(ks, {
      name: "Flush Control",
      environment: "test",
      scopes: ["agents:read"],
    });
    await ks.call("POST", `/v1/api_keys/${control.id}/revoke`, {
      key: ks.adminKey,
      body: { reason: "unused" },
    });
    await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: control.secret } });
    const attempts = async (id: string) =>
      Number(
        (
          (await ks.call("GET", `/v1/api_keys/${id}/usage`, { key: ks.adminKey })).body as unknown as {
            revoked_attempts: number;
          }
        ).revoked_attempts,
      );
    await waitFor("the control attempt to be written", async () => (await attempts(control.id)) === 1);
    expect(await attempts(newId)).toBe(0);
    expect(
      (await kube.events()).filter(
        (e) => e.reason === "RevokedKeyInUse" && e.involvedObject.name === "ledger",
      ),
    ).toEqual([]);

    // The check sends the value to the keys service only: never in a log line, an event or status.
    const events = JSON.stringify(await kube.events());
    const status = JSON.stringify((await kube.apiKey("ledger")).status);
    for (const value of [newValue, oldValue]) {
      expect(ctl.lines.filter((l) => l.includes(value)).length, "log lines holding a key value").toBe(0);
      expectNoSecret(events, value);
      expectNoSecret(status, value);
    }
  });
});
