// Who may ask for what: a real certificate user with RBAC to create ApiKeys in one namespace cannot thereby
// mint a live admin:full key — the controller stalls it, naming the policy rule, and mints nothing — until a
// cluster admin's ApiKeyPolicy allows it. The user can create neither a policy nor status. Hygiene findings
// are Warning events, not blocks.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KubeApiError } from "../../../controller/kube/rest.ts";
import { adminKubeConfig, userKubeConfig } from "../../harness/control-plane.ts";
import {
  type ControllerProcess,
  ensureCrds,
  KubeHelper,
  startControllerProcess,
} from "../../harness/controller.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { createTestNamespace, type TestNamespace } from "../../harness/namespace.ts";
import { waitFor } from "../../harness/wait.ts";

const info = inject("controlPlane");
const kc = adminKubeConfig(info);
let ns: TestNamespace;
let ks: TestKeyService;
let ctl: ControllerProcess;
let admin: KubeHelper;
let asDev: KubeHelper;
const policyName = `e2e-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  await ensureCrds(info, kc);
  ns = await createTestNamespace(kc, "ctl-policy");
  ks = await startTestKeyService("sqlite");
  admin = new KubeHelper(kc, ns.name);
  await admin.rest.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns.name}/roles`, {
    metadata: { name: "apikey-editor" },
    rules: [
      {
        apiGroups: ["keys.ayra.ai"],
        resources: ["apikeys"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      },
    ],
  });
  await admin.rest.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns.name}/rolebindings`, {
    metadata: { name: "team-edits-apikeys" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "apikey-editor" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "app-team" }],
  });
  asDev = new KubeHelper((await userKubeConfig(info, "dana", ["app-team"])).kubeConfig, ns.name);
  ctl = await startControllerProcess({ info, namespace: ns.name, keysUrl: ks.url, apiKey: ks.adminKey });
  admin.context = () => ctl.lines.slice(-20).join("\n");
});

afterAll(async () => {
  await ctl?.stop();
  await admin?.rest.delete(`/apis/keys.ayra.ai/v1alpha1/apikeypolicies/${policyName}`).catch(() => undefined);
  admin?.close();
  asDev?.close();
  await ks?.close();
  await ns?.delete();
});

async function stalled(name: string) {
  return waitFor(`${name} to be Stalled`, async () => {
    const o = await admin.apiKey(name);
    const c = o.status?.conditions?.find((x) => x.type === "Stalled" && x.status === "True");
    return c ? { o, c } : undefined;
  });
}

async function minted(uid: string | undefined) {
  return (await ks.call("GET", `/v1/api_keys?metadata[k8s_uid]=${uid}`, { key: ks.adminKey })).body.data;
}

describe("ApiKeyPolicy", () => {
  it("stalls a live admin:full key requested by a namespace user, mints nothing, and lets the user change no policy", async () => {
    await waitFor("dana's role binding to take effect", async () =>
      Boolean(await asDev.rest.get(`/apis/keys.ayra.ai/v1alpha1/namespaces/${ns.name}/apikeys`)),
    );
    await asDev.createApiKey("root", {
      displayName: "Ops Automation",
      environment: "live",
      scopes: ["admin:full"],
      expiresAfter: "7d",
    });
    const { o, c } = await stalled("root");
    expect(c.reason).toBe("PolicyDenied");
    expect(c.message).toMatch(/rule environment/);
    expect(c.message).toContain(ns.name);
    expect(await minted(o.metadata.uid)).toEqual([]);
    const events = await admin.events();
    expect(
      events.some(
        (e) => e.involvedObject.name === "root" && e.type === "Warning" && e.reason === "PolicyDenied",
      ),
    ).toBe(true);

    const denied = await asDev.rest
      .create("/apis/keys.ayra.ai/v1alpha1/apikeypolicies", {
        apiVersion: "keys.ayra.ai/v1alpha1",
        kind: "ApiKeyPolicy",
        metadata: { name: `${policyName}-sneaky` },
        spec: { namespaces: ["*"], environments: ["live"], scopes: ["admin:full"] },
      })
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(KubeApiError);
    expect((denied as KubeApiError).status).toBe(403);
    const fakeStatus = await asDev.rest
      .replace(`/apis/keys.ayra.ai/v1alpha1/namespaces/${ns.name}/apikeys/root/status`, {
        ...o,
        status: { keyId: "key_fake" },
      })
      .catch((e: unknown) => e);
    expect((fakeStatus as KubeApiError).status).toBe(403);
  });

  it("mints once a cluster admin's ApiKeyPolicy allows the environment, scopes and lifetime", async () => {
    await admin.rest.create("/apis/keys.ayra.ai/v1alpha1/apikeypolicies", {
      apiVersion: "keys.ayra.ai/v1alpha1",
      kind: "ApiKeyPolicy",
      metadata: { name: policyName },
      spec: {
        namespaces: [ns.name],
        environments: ["live", "test"],
        scopes: ["admin:full", "contacts:read", "contacts:write"],
        maxLifetime: "30d",
      },
    });
    const ready = await admin.waitReady("root", () => true, 30_000);
    expect(ready.status?.keyId).toBeDefined();
    const value = await admin.secretValue("root");
    const found = await ks.call("POST", "/v1/api_keys/introspect", {
      key: ks.adminKey,
      body: { key: value },
    });
    expect(found.body).toMatchObject({ active: true, environment: "live", scopes: ["admin:full"] });

    // The policy's maxLifetime still binds.
    await asDev.createApiKey("long", {
      displayName: "Contacts Sync",
      environment: "live",
      scopes: ["contacts:write"],
      expiresAfter: "90d",
    });
    const { o, c } = await stalled("long");
    expect(c.message).toMatch(/rule maxLifetime/);
    expect(await minted(o.metadata.uid)).toEqual([]);
  });

  it("reports hygiene findings as Warning events without blocking the key", async () => {
    await asDev.createApiKey("sloppy", { displayName: "Test", environment: "test", scopes: ["agents:read"] });
    await admin.waitReady("sloppy");
    const warnings = await waitFor("hygiene warnings", async () => {
      const found = (await admin.events()).filter(
        (e) => e.involvedObject.name === "sloppy" && e.reason === "KeyHygiene",
      );
      return found.length >= 2 ? found : undefined;
    });
    expect(warnings.map((w) => w.message).join("\n")).toMatch(/poor-name/);
    expect(warnings.map((w) => w.message).join("\n")).toMatch(/test-no-expiry/);
    expect(warnings.every((w) => w.type === "Warning")).toBe(true);
  });
});
