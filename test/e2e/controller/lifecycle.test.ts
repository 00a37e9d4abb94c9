// The controller end to end, as a real process against the real kube-apiserver and keys service: apply →
// Secret, spec edits, the compromised annotation, drift, a deleted or edited Secret, Secrets it must not
// take, deletion — and, at the end, a canary scan: no key value in logs, events, status or annotations.
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
const seenValues = new Set<string>();

const spec = {
  displayName: "Production Web Application",
  environment: "test",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "30d",
  rotation: { gracePeriod: "1h" },
};

async function introspect(value: string) {
  const res = await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: value } });
  return res.body;
}

async function apiKeyRecord(id: string) {
  return (await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body;
}

async function secretKey(name: string, key = "apiKey"): Promise<string> {
  const value = await waitFor(`Secret ${name} to hold ${key}`, () => kube.secretValue(name, key));
  seenValues.add(value);
  return value;
}

const context = () => ctl.process.output();

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-life");
  ({ ns, ks, kube } = bed);
  ctl = await startControllerProcess({ info, namespace: ns.name, keysUrl: ks.url, apiKey: ks.adminKey });
  kube.context = () => ctl.lines.slice(-40).join("\n");
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

describe("the controller", () => {
  it("turns an applied ApiKey into a Secret whose key introspects active with exactly the declared scopes", async () => {
    await kube.createApiKey("web", spec);
    const ready = await kube.waitReady("web", () => true, 30_000, context);
    const value = await secretKey("web");
    const found = await introspect(value);
    expect(found).toMatchObject({ active: true, environment: "test", id: ready.status?.keyId });
    expect([...found.scopes].sort()).toEqual([...spec.scopes].sort());
    expect(ready.status).toMatchObject({
      redacted: expect.stringMatching(/^sk_test_\w{6}\.\.\.\w{4}$/),
      secretName: "web",
      previousKeys: [],
    });
    // No finalizer: revocation on delete comes from the delete event and the sweep.
    expect(ready.metadata.finalizers ?? []).toEqual([]);
    const record = await apiKeyRecord(ready.status?.keyId ?? "");
    expect(record.metadata).toMatchObject({
      k8s_namespace: ns.name,
      k8s_name: "web",
      k8s_uid: ready.metadata.uid,
      k8s_cluster: "e2e",
      deletion_policy: "Revoke",
    });
    const secret = await kube.secret("web");
    expect(secret.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "ApiKey",
      name: "web",
      uid: ready.metadata.uid,
      controller: true,
    });
    expect(secret.metadata.annotations?.["keys.ayra.ai/key-id"]).toBe(ready.status?.keyId);
  });

  it("patches a new displayName in place and rolls new scopes with grace", async () => {
    const before = await kube.waitReady("web");
    const oldValue = await secretKey("web");
    await kube.patchApiKey("web", { spec: { displayName: "Web Application" } });
    await waitFor(
      "the key to be renamed in place",
      async () => (await apiKeyRecord(before.status?.keyId ?? "")).name === "Web Application",
    );
    const renamed = await kube.waitReady("web");
    expect(renamed.status?.keyId).toBe(before.status?.keyId);

    await kube.patchApiKey("web", { spec: { scopes: ["agents:read"] } });
    const rolled = await kube.waitReady("web", (o) => o.status?.keyId !== before.status?.keyId);
    expect(rolled.status?.previousKeys?.[0]?.keyId).toBe(before.status?.keyId);
    const value = await secretKey("web");
    expect(await secretKey("web", "apiKeyPrevious")).toBe(oldValue);
    expect((await introspect(value)).scopes).toEqual(["agents:read"]);
    expect(await introspect(oldValue)).toMatchObject({ active: true });
    expect((await apiKeyRecord(before.status?.keyId ?? "")).status).toBe("expiring");
  });

  it("revokes current and previous keys at once on the compromised annotation and issues a new one", async () => {
    const before = await kube.waitReady("web");
    const ids = [before.status?.keyId, before.status?.previousKeys?.[0]?.keyId];
    await kube.patchApiKey("web", {
      metadata: { annotations: { "keys.ayra.ai/compromised": new Date().toISOString() } },
    });
    const after = await kube.waitReady(
      "web",
      (o) => o.status?.keyId !== before.status?.keyId && (o.status?.previousKeys ?? []).length === 0,
    );
    for (const id of ids)
      expect(await apiKeyRecord(id ?? "")).toMatchObject({
        status: "revoked",
        revocation_reason: "compromised",
      });
    expect(after.status?.handledCompromised).toBeDefined();
    const secret = await kube.secret("web");
    expect(Object.keys(secret.data ?? {})).toEqual(["apiKey"]);
    expect((await introspect(await secretKey("web"))).active).toBe(true);
    // The annotation stays (GitOps would put it back) and acts only once.
    await kube.patchApiKey("web", { spec: { description: "touch" } });
    const later = await kube.waitReady(
      "web",
      (o) => o.metadata.generation === (after.metadata.generation ?? 0) + 1,
    );
    expect(later.status?.keyId).toBe(after.status?.keyId);
  });

  it("replaces a key revoked out of band within a drift interval", async () => {
    const before = await kube.waitReady("web");
    await ks.call("POST", `/v1/api_keys/${before.status?.keyId}/revoke`, {
      key: ks.adminKey,
      body: { reason: "employee_departure" },
    });
    const after = await kube.waitReady(
      "web",
      (o) => o.status?.keyId !== before.status?.keyId,
      20_000,
      context,
    );
    expect((await introspect(await secretKey("web"))).id).toBe(after.status?.keyId);
  });

  it("recreates a deleted Secret and repairs an edited one", async () => {
    const before = await kube.waitReady("web");
    await kube.rest.delete(`/api/v1/namespaces/${ns.name}/secrets/web`);
    const recreated = await kube.waitReady("web", (o) => o.status?.keyId !== before.status?.keyId);
    expect((await introspect(await secretKey("web"))).id).toBe(recreated.status?.keyId);

    // A label removed and a data key added: repaired in place, same key.
    const secret = await kube.secret("web");
    const labels = { ...secret.metadata.labels };
    delete labels["app.kubernetes.io/managed-by"];
    await kube.rest.replace(`/api/v1/namespaces/${ns.name}/secrets/web`, {
      ...secret,
      metadata: { ...secret.metadata, labels },
      data: { ...secret.data, extra: Buffer.from("x").toString("base64") },
    });
    await waitFor("the Secret to be repaired", async () => {
      const s = await kube.secret("web");
      return (
        s.metadata.labels?.["app.kubernetes.io/managed-by"] === "ayra-keys" && s.data?.extra === undefined
      );
    });
    expect((await kube.apiKey("web")).status?.keyId).toBe(recreated.status?.keyId);

    // The key itself overwritten: it cannot be recovered (show-once), so a new key is rolled in.
    const edited = await kube.secret("web");
    await kube.rest.replace(`/api/v1/namespaces/${ns.name}/secrets/web`, {
      ...edited,
      data: { apiKey: Buffer.from("not-a-key").toString("base64") },
    });
    const repaired = await kube.waitReady("web", (o) => o.status?.keyId !== recreated.status?.keyId);
    expect((await introspect(await secretKey("web"))).id).toBe(repaired.status?.keyId);
  });

  it("never takes over a Secret it does not own, and stalls the newcomer naming a claimed Secret", async () => {
    await kube.rest.create(`/api/v1/namespaces/${ns.name}/secrets`, {
      metadata: { name: "theirs" },
      data: { token: "eA==" },
    });
    await kube.createApiKey("intruder", { ...spec, secret: { name: "theirs" } });
    await kube.createApiKey("copycat", { ...spec, secret: { name: "web" } });
    for (const [name, reason] of [
      ["intruder", "SecretNotOwned"],
      ["copycat", "SecretClaimed"],
    ] as const) {
      const stalled = await waitFor(`${name} to be Stalled`, async () => {
        const o = await kube.apiKey(name);
        return o.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True") ? o : undefined;
      });
      expect(stalled.status?.conditions?.find((c) => c.type === "Stalled")?.reason).toBe(reason);
      expect(stalled.status?.keyId).toBeUndefined();
      const minted = await ks.call("GET", `/v1/api_keys?metadata[k8s_uid]=${stalled.metadata.uid}`, {
        key: ks.adminKey,
      });
      expect(minted.body.data).toEqual([]);
    }
    expect((await kube.secret("theirs")).data).toEqual({ token: "eA==" });
    expect(
      (await kube.events()).some(
        (e) => e.involvedObject.name === "intruder" && e.reason === "SecretNotOwned",
      ),
    ).toBe(true);
  });

  it("stalls a spec that breaks a rule CEL cannot express, with core's message", async () => {
    await kube.createApiKey("bad", { ...spec, rotation: { every: "1h", gracePeriod: "2h" } });
    const stalled = await waitFor("bad to be Stalled", async () => {
      const o = await kube.apiKey("bad");
      return o.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True");
    });
    expect(stalled.reason).toBe("InvalidSpec");
    expect(stalled.message).toContain("rotation.gracePeriod (2h) must be shorter than rotation.every (1h)");
  });

  it("revokes every key on delete (Revoke), and leaves it active with Retain", async () => {
    const web = await kube.waitReady("web");
    await kube.createApiKey("kept", { ...spec, deletionPolicy: "Retain" });
    const kept = await kube.waitReady("kept");
    await secretKey("kept");
    await kube.deleteApiKey("web");
    await kube.deleteApiKey("kept");
    await waitFor("both ApiKeys to be gone", async () => {
      const gone = await Promise.all(
        ["web", "kept"].map((n) =>
          kube.apiKey(n).then(
            () => false,
            () => true,
          ),
        ),
      );
      return gone.every(Boolean);
    });
    const all = await waitFor("every key of web to be revoked", async () => {
      const found = await ks.call("GET", `/v1/api_keys?metadata[k8s_uid]=${web.metadata.uid}&limit=100`, {
        key: ks.adminKey,
      });
      return found.body.data.every((k) => k.status === "revoked") ? found.body.data : undefined;
    });
    expect(all.length).toBeGreaterThan(0);
    expect((await apiKeyRecord(kept.status?.keyId ?? "")).status).toBe("active");
  });

  it("never shows a key value in its logs, events, status or annotations (canary)", async () => {
    expect(seenValues.size).toBeGreaterThan(3);
    const events = JSON.stringify(await kube.events());
    const apiKeys = JSON.stringify(
      await kube.rest.get(`/apis/keys.ayra.ai/v1alpha1/namespaces/${ns.name}/apikeys`),
    );
    const secrets = (
      await kube.rest.get<{ items: { metadata: unknown }[] }>(`/api/v1/namespaces/${ns.name}/secrets`)
    ).items;
    const annotations = JSON.stringify(secrets.map((s) => s.metadata));
    const logs = ctl.lines.join("\n");
    expect(logs.length).toBeGreaterThan(1000);
    for (const value of seenValues) {
      for (const [where, text] of Object.entries({ logs, events, apiKeys, annotations }))
        expect(text.includes(value), where).toBe(false);
      expect(logs.includes(value.slice(8, 30))).toBe(false);
    }
    expect(logs).not.toMatch(/sk_(live|test)_[A-Za-z0-9]{24,}/);
  });
});
