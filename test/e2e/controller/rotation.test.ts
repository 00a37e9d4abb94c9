// Rotation with grace, seen from outside: three scheduled rotations while a reader checks the Secret's key
// against the keys service every 100 ms (zero failures), old keys revoked after their grace period, and
// quietPeriod revoking an unused old key early once the restart target has rolled out — exactly one
// restart per rotation, none when the controller restarts.
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

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-rot");
  ({ ns, ks, kube } = bed);
  ctl = await startControllerProcess({ info, namespace: ns.name, keysUrl: ks.url, apiKey: ks.adminKey });
  kube.context = () => ctl.lines.slice(-30).join("\n");
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

async function record(id: string) {
  return (await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body;
}

describe("rotation", () => {
  it("rotates three times on schedule with zero failed reads, revoking each old key after its grace period", async () => {
    await kube.createApiKey("reader", {
      displayName: "Rotation Reader Service",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
      rotation: { every: "4s", gracePeriod: "2s" },
    });
    const first = await kube.waitReady("reader");
    const keyIds = new Set<string>([first.status?.keyId ?? ""]);
    let reads = 0;
    const failures: string[] = [];
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        const started = Date.now();
        const value = await kube.secretValue("reader");
        if (value === undefined) failures.push("no key in the Secret");
        else {
          const res = await ks.call("POST", "/v1/api_keys/introspect", {
            key: ks.adminKey,
            body: { key: value },
          });
          reads++;
          if (res.body.active !== true) failures.push(`inactive key at read ${reads}`);
          else keyIds.add(res.body.id);
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
      }
    })();
    try {
      await waitFor("three rotations", () => keyIds.size >= 4, { timeoutMs: 40_000 });
    } finally {
      stop = true;
      await reader;
    }
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(80);
    const now = await kube.waitReady("reader");
    expect(now.status?.lastRotatedAt).toBeDefined();
    // Every key but the newest two has passed its grace period: revoked by the service, reason replaced.
    const ids = [...keyIds];
    for (const id of ids.slice(0, 2)) {
      const r = await waitFor(`key ${id} to be revoked`, async () => {
        const got = await record(id);
        return got.status === "revoked" ? got : undefined;
      });
      expect(r.revocation_reason).toBe("replaced");
    }
    const events = await kube.events();
    expect(
      events.filter((e) => e.involvedObject.name === "reader" && e.reason === "RotationPeriod").length,
    ).toBeGreaterThanOrEqual(3);
  });

  it("revokes a quiet old key early once the restart target has rolled out, restarting it exactly once", async () => {
    await kube.rest.create(`/apis/apps/v1/namespaces/${ns.name}/deployments`, {
      metadata: { name: "web" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "example.invalid/web:1" }] },
        },
      },
    });
    await kube.createApiKey("quiet", {
      displayName: "Quiet Web Service",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
      rotation: { every: "30m", gracePeriod: "60s", quietPeriod: "1s" },
      restartTargets: [{ kind: "Deployment", name: "web" }],
    });
    const before = await kube.waitReady("quiet");
    type Deployment = {
      metadata: { generation: number };
      spec: { template: { metadata: { annotations?: Record<string, string> } } };
    };
    const deployment = () => kube.rest.get<Deployment>(`/apis/apps/v1/namespaces/${ns.name}/deployments/web`);
    expect((await deployment()).metadata.generation).toBe(1);

    await kube.patchApiKey("quiet", {
      metadata: { annotations: { "keys.ayra.ai/rotate": String(Math.ceil(Date.now() / 1000) + 1) } },
    });
    const rotated = await kube.waitReady("quiet", (o) => o.status?.keyId !== before.status?.keyId, 30_000);
    const restarted = await deployment();
    expect(restarted.metadata.generation).toBe(2);
    expect(restarted.spec.template.metadata.annotations?.["keys.ayra.ai/restarted-for"]).toBe(
      rotated.status?.keyId,
    );
    const oldId = before.status?.keyId ?? "";
    expect(await kube.secretValue("quiet", "apiKeyPrevious")).toBeDefined();

    // Quiet, but the rollout has not finished: the old key stays.
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await record(oldId)).status).toBe("expiring");

    // A controller restart restarts nothing.
    await ctl.stop();
    ctl = await startControllerProcess({ info, namespace: ns.name, keysUrl: ks.url, apiKey: ks.adminKey });
    await kube.waitReady("quiet");

    // The rollout completes (no nodes here: written as the Deployment controller would).
    await kube.rest.mergePatch(`/apis/apps/v1/namespaces/${ns.name}/deployments/web/status`, {
      status: {
        observedGeneration: 2,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
      },
    });
    // The restarted consumer presents the new key: only a new key seen in use lets the old one go early.
    const fresh = await kube.secretValue("quiet");
    expect(
      (await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: fresh } })).body
        .active,
    ).toBe(true);
    const revoked = await waitFor(
      "the old key to be revoked early",
      async () => {
        const r = await record(oldId);
        return r.status === "revoked" ? r : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(revoked.revocation_reason).toBe("replaced");
    expect(Date.parse(revoked.revoked_at ?? "")).toBeLessThan(
      Date.parse(rotated.status?.lastRotatedAt ?? "") + 60_000,
    );
    await waitFor(
      "the previous key to leave the Secret",
      async () => (await kube.secretValue("quiet", "apiKeyPrevious")) === undefined,
    );
    expect((await deployment()).metadata.generation).toBe(2);
    const events = await kube.events();
    expect(events.some((e) => e.involvedObject.name === "quiet" && e.reason === "PreviousKeyQuiet")).toBe(
      true,
    );
  });
});
