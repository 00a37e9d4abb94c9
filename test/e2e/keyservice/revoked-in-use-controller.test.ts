// A consumer that keeps presenting an ApiKey's old key after its grace period, with the real controller and
// API server, on both stores: each attempt is refused as an unknown key and counted, the controller reads
// the audit page on its drift interval and puts a Warning on that ApiKey, and no log line holds a key.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  type KubeHelper,
  startControllerProcess,
} from "../../harness/controller.ts";
import { STORES, type TestKeyService } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";

const info = inject("controlPlane");
const KEY_LITERAL = /sk_(live|test)_[A-Za-z0-9]{50}/;

describe.each(STORES)("a revoked ApiKey key still in use, on %s", (store) => {
  let bed: ControllerTestBed;
  let ks: TestKeyService;
  let ctl: ControllerProcess;
  let kube: KubeHelper;

  beforeAll(async () => {
    bed = await controllerTestBed(info, "ks-revoked", store);
    ({ ks, kube } = bed);
    ctl = await startControllerProcess({
      info,
      namespace: bed.ns.name,
      keysUrl: ks.url,
      apiKey: ks.adminKey,
    });
    kube.context = () => ctl.lines.slice(-30).join("\n");
  });

  afterAll(async () => {
    await ctl?.stop();
    await bed?.close();
  });

  it("refuses the old key 10 times, counts and audits it, and warns on its ApiKey", async () => {
    await kube.createApiKey("billing", {
      displayName: "Billing Worker",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
      rotation: { gracePeriod: "1s" },
    });
    const first = await kube.waitReady("billing");
    const oldId = String(first.status?.keyId);
    const oldValue = String(await kube.secretValue("billing"));
    await kube.patchApiKey("billing", {
      metadata: { annotations: { "keys.ayra.ai/rotate": new Date(Date.now() + 1000).toISOString() } },
    });
    await kube.waitReady("billing", (o) => o.status?.keyId !== oldId);
    // Past the grace period the keys service has revoked the old key.
    await waitFor("the old key to stop working", async () => {
      const res = await ks.call("GET", "/v1/api_keys?limit=1", { key: oldValue });
      return res.status === 401;
    });
    // The probes above were attempts too: write them before taking the baseline.
    await ks.service.deps.usage.flush();
    const before = (await ks.call("GET", `/v1/api_keys/${oldId}/usage`, { key: ks.adminKey }))
      .body as unknown as {
      revoked_attempts: number;
    };
    const unknown = await ks.call("GET", "/v1/api_keys?limit=1", { key: `sk_test_${"B".repeat(50)}` });
    for (let i = 0; i < 10; i++) {
      const res = await ks.call("GET", "/v1/api_keys?limit=1", { key: oldValue });
      expect(res.status).toBe(401);
      expect({ ...res.body.error, request_id: "" }).toEqual({ ...unknown.body.error, request_id: "" });
    }
    await waitFor("all attempts counted in usage", async () => {
      const usage = (await ks.call("GET", `/v1/api_keys/${oldId}/usage`, { key: ks.adminKey }))
        .body as unknown as {
        revoked_attempts: number;
      };
      return usage.revoked_attempts === before.revoked_attempts + 10;
    });
    const audit = await ks.call("GET", `/v1/audit_events?key_id=${oldId}&action=api_key.revoked_key_used`, {
      key: ks.adminKey,
    });
    expect(audit.body.data.length).toBeGreaterThanOrEqual(1);
    expect(audit.body.data.length).toBeLessThanOrEqual(2); // the wait above may straddle one minute
    for (const e of audit.body.data) expect(e.request_id).toMatch(/^req_/);

    const warning = await waitFor(
      "a RevokedKeyInUse Warning on the ApiKey",
      async () =>
        (await kube.events()).find(
          (e) => e.reason === "RevokedKeyInUse" && e.involvedObject.name === "billing",
        ),
      { timeoutMs: 30_000, context: () => ctl.lines.slice(-20).join("\n") },
    );
    expect(warning.type).toBe("Warning");
    expect(warning.message).toContain(oldId);
    expect(warning.message).toContain(String(audit.body.data[0]?.request_id));
    expect(warning.message).not.toMatch(KEY_LITERAL);

    await ks.service.deps.usage.flush();
    const lines = [...ctl.lines, ...ks.logs];
    expect(lines.filter((l) => l.includes(oldValue))).toEqual([]);
    expect(lines.filter((l) => KEY_LITERAL.test(l))).toEqual([]);
  });
});
