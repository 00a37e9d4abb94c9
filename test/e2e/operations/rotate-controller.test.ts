// rotate, revoke and incident on an ApiKey: real kube-apiserver, real controller, real keys service. The CLI
// only annotates the ApiKey (merge patch, spec untouched); --wait ends when the Secret names the new key and the
// restart target has rolled out (no nodes here: the test writes the Deployment's status as its controller would).
import { readFile } from "node:fs/promises";
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
import { expectNoSecret } from "../../harness/no-secret.ts";
import { waitFor } from "../../harness/wait.ts";
import { runCli } from "./run-cli.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ns: TestNamespace;
let ks: TestKeyService;
let ctl: ControllerProcess;
let kube: KubeHelper;
let env: Record<string, string>;

type Deployment = {
  metadata: { generation: number };
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
};

beforeAll(async () => {
  bed = await controllerTestBed(info, "ops-rot");
  ({ ns, ks, kube } = bed);
  ctl = await startControllerProcess({ info, namespace: ns.name, keysUrl: ks.url, apiKey: ks.adminKey });
  kube.context = () => ctl.lines.slice(-30).join("\n");
  env = { AYRA_API_URL: ks.url, AYRA_API_KEY: ks.adminKey, KUBECONFIG: info.kubeconfigPath };
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

const record = async (id: string) => (await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body;
const deploymentPath = (name: string) => `/apis/apps/v1/namespaces/${ns.name}/deployments/${name}`;

async function createWeb(name: string): Promise<void> {
  await kube.rest.create(`/apis/apps/v1/namespaces/${ns.name}/deployments`, {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "web", image: "example.invalid/web:1" }] },
      },
    },
  });
}

/** Plays the Deployment controller: once the pod template changes, report the rollout complete. */
async function completeRollout(name: string): Promise<void> {
  const d = await waitFor(`${name} to be restarted`, async () => {
    const got = await kube.rest.get<Deployment>(deploymentPath(name));
    return got.metadata.generation >= 2 ? got : undefined;
  });
  await kube.rest.mergePatch(`${deploymentPath(name)}/status`, {
    status: {
      observedGeneration: d.metadata.generation,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    },
  });
}

describe("runbook commands on an ApiKey", () => {
  it("rotate --dry-run changes nothing; rotate --wait annotates, and ends when the Secret holds the new key and the target rolled out", async () => {
    await createWeb("web");
    const spec = {
      displayName: "Checkout Web",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
      rotation: { gracePeriod: "60s" },
      restartTargets: [{ kind: "Deployment", name: "web" }],
    };
    await kube.createApiKey("checkout", spec);
    const before = await kube.waitReady("checkout");
    const oldId = before.status?.keyId ?? "";

    const dry = await runCli(["rotate", oldId, "--dry-run", "--output", "json"], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).plan[0]).toMatchObject({
      kind: "annotate",
      namespace: ns.name,
      name: "checkout",
      annotation: "keys.ayra.ai/rotate",
    });
    const still = await kube.apiKey("checkout");
    expect(still.metadata.annotations?.["keys.ayra.ai/rotate"]).toBeUndefined();
    expect(still.metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    const rollout = completeRollout("web");
    const res = await runCli(
      ["rotate", "Checkout Web", "--wait", "--timeout", "60s", "--output", "json"],
      env,
    );
    await rollout;
    expect(res.code, `${res.stderr}\n${res.stdout}`).toBe(0);
    const out = JSON.parse(res.stdout);
    const newId = out.done[0].new_key_id as string;
    expect(newId).toMatch(/^key_/);
    expect(newId).not.toBe(oldId);
    expect(out.wait).toMatchObject({ done: true, secret: "checkout", rolled_out: ["Deployment/web"] });
    // The Secret holds the new key: its annotation and its value agree with the keys service.
    const secret = await kube.secret("checkout");
    expect(secret.metadata.annotations?.["keys.ayra.ai/key-id"]).toBe(newId);
    const value = (await kube.secretValue("checkout")) ?? "";
    const seen = await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: value } });
    expect(seen.body).toMatchObject({ active: true, id: newId });
    expectNoSecret(res.stdout + res.stderr, value);
    // Only the annotation changed: the spec is as it was applied.
    const after = await kube.apiKey("checkout");
    expect(after.spec).toEqual(before.spec);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    // The old key keeps working through the ApiKey's grace period.
    expect((await record(oldId)).status).toBe("expiring");
    expect(res.stderr).toMatch(/waiting for/);
    // The old key keeps the name while it expires; the name now means the new key.
    const again = await runCli(["rotate", "Checkout Web", "--dry-run", "--output", "json"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).key.id).toBe(newId);
  });

  it("revoke without reason compromised is refused with the commands to run; incident replaces and revokes at once", async () => {
    await createWeb("api");
    await kube.createApiKey("orders", {
      displayName: "Orders API",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
      restartTargets: [{ kind: "Deployment", name: "api" }],
    });
    const before = await kube.waitReady("orders");
    const oldId = before.status?.keyId ?? "";
    const oldValue = (await kube.secretValue("orders")) ?? "";
    expect(oldValue).not.toBe("");

    const refused = await runCli(["revoke", "Orders API", "--reason", "unused"], env);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain(`kubectl delete apikey --namespace '${ns.name}' 'orders'`);
    expect((await record(oldId)).status).toBe("active");
    expect((await kube.apiKey("orders")).metadata.annotations?.["keys.ayra.ai/compromised"]).toBeUndefined();

    const rollout = completeRollout("api");
    const res = await runCli(
      ["incident", oldId, "--export", `${ks.dataDir}/incident.json`, "--timeout", "60s", "--output", "json"],
      env,
    );
    await rollout;
    expect(res.code, `${res.stderr}\n${res.stdout}`).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.done[0]).toMatchObject({ step: "annotate", annotation: "keys.ayra.ai/compromised" });
    expect(out.wait.done).toBe(true);
    expect(await record(oldId)).toMatchObject({ status: "revoked", revocation_reason: "compromised" });
    const now = await kube.apiKey("orders");
    expect(now.status?.keyId).not.toBe(oldId);
    expect((await kube.secret("orders")).metadata.annotations?.["keys.ayra.ai/key-id"]).toBe(
      now.status?.keyId,
    );
    const api = await kube.rest.get<Deployment>(deploymentPath("api"));
    expect(api.spec.template.metadata.annotations?.["keys.ayra.ai/restarted-for"]).toBe(now.status?.keyId);
    // The report for support: the replacement, the audit trail with request ids; no key value (canary scan).
    const text = await readFile(`${ks.dataDir}/incident.json`, "utf8");
    const newValue = (await kube.secretValue("orders")) ?? "";
    for (const value of [oldValue, newValue]) {
      expectNoSecret(text, value);
      expectNoSecret(res.stdout + res.stderr, value);
    }
    const report = JSON.parse(text);
    expect(report.replacement_key_id).toBe(now.status?.keyId);
    expect(report.key).toMatchObject({ id: oldId, status: "revoked", revocation_reason: "compromised" });
    const revokedEvent = report.audit_events.find((e: { action: string }) => e.action === "api_key.revoked");
    expect(revokedEvent?.request_id).toMatch(/\S/);
    expect(report.usage.object).toBe("api_key_usage");
  });
  it("never acts on an ApiKey that a key's metadata names but whose status does not name the key", async () => {
    await kube.createApiKey("payroll", {
      displayName: "Payroll",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
    });
    const real = await kube.waitReady("payroll");
    // Anyone who may create keys can write this metadata; it claims the payroll ApiKey. (Another cluster id and no
    // uid, so the running controller does not revoke it as a stray of payroll before the command runs.)
    const forged = await ks.call("POST", "/v1/api_keys", {
      key: ks.adminKey,
      body: {
        name: "Forged",
        environment: "test",
        scopes: ["agents:read"],
        metadata: {
          managed_by: "ayra-keys-controller",
          k8s_cluster: "elsewhere",
          k8s_namespace: ns.name,
          k8s_name: "payroll",
        },
      },
    });
    expect(forged.status).toBe(201);
    const forgedId = (forged.body as { id: string }).id;

    const res = await runCli(
      ["incident", forgedId, "--no-wait", "--export", `${ks.dataDir}/forged.json`],
      env,
    );
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(2);
    expect(res.stderr).toContain("status does not name the key");
    const after = await kube.apiKey("payroll");
    expect(after.metadata.annotations?.["keys.ayra.ai/compromised"]).toBeUndefined();
    expect((await record(real.status?.keyId ?? "")).status).toBe("active");
  });

  it("--wait gives up after --timeout with exit 4 while the rollout has not finished; a zero timeout is bad input", async () => {
    await createWeb("slow");
    await kube.createApiKey("slow", {
      displayName: "Slow Rollout",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
      restartTargets: [{ kind: "Deployment", name: "slow" }],
    });
    const before = await kube.waitReady("slow");
    const zero = await runCli(["rotate", "Slow Rollout", "--wait", "--timeout", "0s"], env);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--timeout/);
    expect((await kube.apiKey("slow")).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    // Nobody plays the Deployment controller here: the restart never rolls out.
    const res = await runCli(
      ["rotate", "Slow Rollout", "--wait", "--timeout", "8s", "--output", "json"],
      env,
    );
    expect(res.code, res.stderr).toBe(4);
    const out = JSON.parse(res.stdout);
    expect(out.wait.done).toBe(false);
    expect(out.wait.waiting_for).toMatch(/Deployment\/slow to (roll out|be restarted)/);
  });
});
