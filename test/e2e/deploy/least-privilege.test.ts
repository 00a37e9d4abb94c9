// Least privilege as the API server enforces it: deploy/ applied for real to a control plane of this file's
// own (its admission policies refuse apikeys/status writes to everyone but the controller, which would
// disturb the other files on the shared one), then the controller's own ServiceAccount identity — a token
// from the TokenRequest API, not impersonation — tries its normal work and what it must never do.
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KubeApiError, KubeRest } from "../../../controller/kube/rest.ts";
import { restartWorkloads } from "../../../controller/reconcile/act-restart.ts";
import type { ReconcileDeps } from "../../../controller/reconcile/deps.ts";
import type { ApiKeyObject } from "../../../controller/reconcile/objects.ts";
import { realTimers } from "../../../controller/runtime/clock.ts";
import { ANNOTATIONS } from "../../../core/planner/types.ts";
import {
  adminKubeConfig,
  type ControlPlane,
  startControlPlane,
  userKubeConfig,
} from "../../harness/control-plane.ts";
import {
  accessOf,
  type ControllerProcess,
  KubeHelper,
  kubectl,
  projectRoot,
  startControllerProcess,
} from "../../harness/controller.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";
import { serviceAccountKubeConfig } from "./service-account.ts";

const SYSTEM = "ayra-keys-system";
const NS = "apps";
const MANAGED = { "app.kubernetes.io/managed-by": "ayra-keys" };
let cp: ControlPlane;
let admin: KubeRest;
let sa: KubeRest;
let saKubeconfig: string;
let ks: TestKeyService | undefined;
let ctl: ControllerProcess | undefined;

const secret = (name: string, labels?: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: NS, ...(labels ? { labels } : {}) },
  stringData: { apiKey: "not-a-real-key" },
});

const deployment = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: NS },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name }, annotations: { "team/owner": "web" } as Record<string, string> },
      spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
    },
  },
});

/** The API server's refusal of `write`, or undefined when it was allowed. */
async function refusal(write: () => Promise<unknown>): Promise<KubeApiError | undefined> {
  try {
    await write();
    return undefined;
  } catch (error) {
    if (error instanceof KubeApiError) return error;
    throw error;
  }
}

async function as(user: string): Promise<KubeRest> {
  const { kubeConfig } = await userKubeConfig(cp, user);
  return new KubeRest({ access: accessOf(kubeConfig) });
}

beforeAll(async () => {
  cp = await startControlPlane(inject("counterparts"));
  await kubectl(cp, [
    "apply",
    "--server-side",
    "--field-manager=ayra-keys-tests",
    "-k",
    join(projectRoot, "deploy"),
  ]);
  admin = new KubeRest({ access: accessOf(adminKubeConfig(cp)) });
  await admin.create("/api/v1/namespaces", { metadata: { name: NS } });
  const token = await serviceAccountKubeConfig(cp, admin, SYSTEM, "ayra-keys-controller");
  saKubeconfig = token.kubeconfigPath;
  sa = new KubeRest({ access: accessOf(token.kubeConfig) });
  // The CRDs and the policies are served once the API server has taken them in.
  await waitFor("ApiKeys to be served", () =>
    admin.get(`/apis/keys.ayra.ai/v1alpha1/namespaces/${NS}/apikeys`),
  );
  await waitFor("the Secret policy to be enforced", async () => {
    const denied = await refusal(() => sa.create(`/api/v1/namespaces/${NS}/secrets`, secret("probe")));
    if (denied === undefined) await admin.delete(`/api/v1/namespaces/${NS}/secrets/probe`);
    return denied?.status === 403 && /ayra-keys-controller-writes/.test(denied.message);
  });
}, 180_000);

afterAll(async () => {
  await ctl?.stop();
  await ks?.close();
  sa?.close();
  admin?.close();
  await cp?.stop();
});

describe("cluster mode, as the controller's ServiceAccount", () => {
  it("creates and updates only Secrets labelled as managed by ayra-keys", async () => {
    const secrets = `/api/v1/namespaces/${NS}/secrets`;
    const unlabelled = await refusal(() => sa.create(secrets, secret("plain")));
    expect(unlabelled?.status).toBe(403);
    expect(unlabelled?.message).toMatch(
      /writes only Secrets labelled app\.kubernetes\.io\/managed-by=ayra-keys/,
    );

    const created = await sa.create<{ metadata: { resourceVersion: string } }>(
      secrets,
      secret("owned", MANAGED),
    );
    const updated = await sa.replace(`${secrets}/owned`, {
      ...secret("owned", { ...MANAGED, team: "web" }),
      metadata: {
        ...secret("owned", { ...MANAGED, team: "web" }).metadata,
        resourceVersion: created.metadata.resourceVersion,
      },
    });
    expect(updated).toBeDefined();

    // Adopting someone else's Secret by adding the label on update is refused: the old object lacks it.
    const theirs = await admin.create<{ metadata: { resourceVersion: string } }>(secrets, secret("theirs"));
    const adopted = await refusal(() =>
      sa.replace(`${secrets}/theirs`, {
        ...secret("theirs", MANAGED),
        metadata: { ...secret("theirs", MANAGED).metadata, resourceVersion: theirs.metadata.resourceVersion },
      }),
    );
    expect(adopted?.status).toBe(403);
    expect(adopted?.message).toMatch(/updates only Secrets already labelled/);
    // …and so is dropping the label from one it owns (it would leave the policy's reach).
    const owned = await sa.get<{ metadata: { resourceVersion: string } }>(`${secrets}/owned`);
    const unlabel = await refusal(() =>
      sa.replace(`${secrets}/owned`, {
        ...secret("owned"),
        metadata: { ...secret("owned").metadata, resourceVersion: owned.metadata.resourceVersion },
      }),
    );
    expect(unlabel?.status).toBe(403);
  });

  it("restarts a workload with the controller's own patch, and changes nothing else of it", async () => {
    const path = `/apis/apps/v1/namespaces/${NS}/deployments/web`;
    await admin.create(`/apis/apps/v1/namespaces/${NS}/deployments`, deployment("web"));
    const deps = {
      rest: sa,
      timers: realTimers,
      logger: pino({ level: "silent" }),
    } as Partial<ReconcileDeps>;
    const apiKey = { metadata: { namespace: NS, name: "web-key", uid: "u1" } } as ApiKeyObject;
    await restartWorkloads(deps as ReconcileDeps, apiKey, "key_restart_1", [
      { kind: "Deployment", name: "web" },
    ]);
    const restarted = await admin.get<ReturnType<typeof deployment>>(path);
    expect(restarted.spec.template.metadata.annotations).toMatchObject({
      [ANNOTATIONS.restartedFor]: "key_restart_1",
      "team/owner": "web",
    });

    const denied = async (patch: Record<string, unknown>) => {
      const error = await refusal(() => sa.strategicPatch(path, patch));
      expect(error?.status, JSON.stringify(patch)).toBe(403);
      expect(error?.message).toMatch(/only in its pod template's restart annotations/);
    };
    await denied({
      spec: { template: { spec: { containers: [{ name: "app", image: "evil.example/app:1" }] } } },
    });
    await denied({ spec: { replicas: 5 } });
    await denied({ spec: { template: { metadata: { labels: { app: "web", extra: "x" } } } } });
    await denied({ spec: { template: { metadata: { annotations: { "team/owner": "someone-else" } } } } });
    await denied({ metadata: { labels: { hijacked: "true" } } });
    const after = await admin.get<ReturnType<typeof deployment>>(path);
    expect(after.spec.template.spec.containers[0]?.image).toBe("registry.example/app:1");
    expect(after.spec.replicas).toBe(1);
  });

  it("keeps apikeys/status the controller's: others are refused, namespace editors have no grant for it", async () => {
    const apiKeys = `/apis/keys.ayra.ai/v1alpha1/namespaces/${NS}/apikeys`;
    const editorRest = await as("erin");
    await admin.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
      metadata: { name: "erin-edits" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ayra-keys-edit" },
      subjects: [{ kind: "User", name: "erin", apiGroup: "rbac.authorization.k8s.io" }],
    });
    const spec = { displayName: "Status Check", environment: "test", scopes: ["agents:read"] };
    const created = await waitFor("the editor's grant to take effect", () =>
      editorRest
        .create<ApiKeyObject>(apiKeys, {
          apiVersion: "keys.ayra.ai/v1alpha1",
          kind: "ApiKey",
          metadata: { name: "status-check", namespace: NS },
          spec,
        })
        .catch(() => undefined),
    );
    const withStatus = (o: ApiKeyObject, keyId: string) => ({ ...o, status: { keyId } });
    const statusPath = `${apiKeys}/status-check/status`;

    const byEditor = await refusal(() => editorRest.replace(statusPath, withStatus(created, "key_forged")));
    expect(byEditor?.status).toBe(403);
    // Even a cluster admin (RBAC allows everything) is refused by the status policy.
    const byAdmin = await refusal(() => admin.replace(statusPath, withStatus(created, "key_forged")));
    expect(byAdmin?.status).toBe(403);
    expect(byAdmin?.message).toMatch(/only the ayra-keys controller writes the status of an ApiKey/);

    const written = await sa.replace<ApiKeyObject>(statusPath, withStatus(created, "key_real"));
    expect(written.status?.keyId).toBe("key_real");
    editorRest.close();
  });

  it("gives viewers read access to ApiKeys, and editors no ApiKeyPolicies", async () => {
    const can = async (user: string, ...args: string[]) =>
      (
        await kubectl(cp, ["auth", "can-i", "--as", user, ...args]).catch(
          (e: { stdout?: string }) => e.stdout ?? "",
        )
      ).trim();
    await admin.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
      metadata: { name: "vic-views" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ayra-keys-view" },
      subjects: [{ kind: "User", name: "vic", apiGroup: "rbac.authorization.k8s.io" }],
    });
    await waitFor(
      "the viewer's grant",
      async () => (await can("vic", "list", "apikeys.keys.ayra.ai", "-n", NS)) === "yes",
    );
    expect(await can("vic", "create", "apikeys.keys.ayra.ai", "-n", NS)).toBe("no");
    expect(await can("erin", "delete", "apikeys.keys.ayra.ai", "-n", NS)).toBe("yes");
    expect(await can("erin", "update", "apikeys.keys.ayra.ai", "--subresource=status", "-n", NS)).toBe("no");
    expect(await can("erin", "create", "apikeypolicies.keys.ayra.ai")).toBe("no");
    // The built-in roles take these in by aggregation (kube-controller-manager does it; this control plane
    // runs none), so the labels are what a real cluster acts on.
    const edit = await admin.get<{ metadata: { labels: Record<string, string> } }>(
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/ayra-keys-edit",
    );
    expect(edit.metadata.labels).toMatchObject({
      "rbac.authorization.k8s.io/aggregate-to-edit": "true",
      "rbac.authorization.k8s.io/aggregate-to-admin": "true",
    });
  });
});

describe("namespaced mode, the real controller as its ServiceAccount", () => {
  it("turns an ApiKey into a Secret and rotates it, restarting its consumer, with its namespace's grants only", async () => {
    await kubectl(cp, [
      "apply",
      "--server-side",
      "--field-manager=ayra-keys-tests",
      "-k",
      join(projectRoot, "deploy", "overlays", "namespaced"),
    ]);
    const can = async (...args: string[]) =>
      (
        await kubectl(cp, [
          "auth",
          "can-i",
          "--as",
          `system:serviceaccount:${SYSTEM}:ayra-keys-controller`,
          ...args,
        ]).catch((e: { stdout?: string }) => e.stdout ?? "")
      ).trim();
    await waitFor("the namespaced grants", async () => (await can("list", "secrets", "-A")) === "no");
    expect(await can("list", "secrets", "-n", NS)).toBe("yes");
    expect(await can("get", "secrets", "-n", "kube-system")).toBe("no");
    expect(await can("patch", "deployments", "-n", "kube-system")).toBe("no");

    ks = await startTestKeyService("sqlite");
    ctl = await startControllerProcess({
      info: cp,
      kubeconfigPath: saKubeconfig,
      namespace: NS,
      keysUrl: ks.url,
      apiKey: ks.adminKey,
      env: { POD_NAMESPACE: SYSTEM, POD_NAME: "ayra-keys-controller-0" },
    });
    const helper = new KubeHelper(adminKubeConfig(cp), NS);
    helper.context = () => ctl?.lines.slice(-30).join("\n") ?? "";
    try {
      await admin.create(`/apis/apps/v1/namespaces/${NS}/deployments`, deployment("consumer"));
      await helper.createApiKey("web", {
        displayName: "Web",
        environment: "test",
        scopes: ["agents:read"],
        expiresAfter: "1h",
        restartTargets: [{ kind: "Deployment", name: "consumer" }],
      });
      const ready = await helper.waitReady("web");
      expect(ready.status?.keyId).toBeDefined();
      const created = await helper.secret("web");
      expect(created.metadata.labels).toMatchObject(MANAGED);
      expect(await helper.secretValue("web")).toMatch(/^sk_test_/);
      const lease = await admin.get<{ spec: { holderIdentity: string } }>(
        `/apis/coordination.k8s.io/v1/namespaces/${SYSTEM}/leases/ayra-keys-controller`,
      );
      expect(lease.spec.holderIdentity).toBe("ayra-keys-controller-0");

      // A rotation: the Secret rewritten and the consumer restarted, both through the admission policy.
      await helper.patchApiKey("web", {
        metadata: { annotations: { [ANNOTATIONS.rotate]: new Date().toISOString() } },
      });
      const rotated = await helper.waitReady("web", (o) => o.status?.keyId !== ready.status?.keyId);
      const consumer = await waitFor("the consumer to be restarted for the new key", async () => {
        const d = await admin.get<ReturnType<typeof deployment>>(
          `/apis/apps/v1/namespaces/${NS}/deployments/consumer`,
        );
        return d.spec.template.metadata.annotations[ANNOTATIONS.restartedFor] === rotated.status?.keyId
          ? d
          : undefined;
      });
      expect(consumer.spec.template.spec.containers[0]?.image).toBe("registry.example/app:1");
      expect(ctl.lines.join("\n")).not.toMatch(/forbidden/i);
    } finally {
      helper.close();
    }
  });

  it("answers /healthz before its caches sync, and /readyz only after", async () => {
    // An identity with no grants at all: its informers can never list, as in a cluster still syncing.
    const nobody = await serviceAccountKubeConfig(cp, admin, SYSTEM, "nobody");
    const stuck = await startControllerProcess({
      info: cp,
      kubeconfigPath: nobody.kubeconfigPath,
      namespace: NS,
      keysUrl: ks?.url ?? "http://127.0.0.1:9",
      apiKey: ks?.adminKey ?? "unused",
      args: ["--no-leader-elect"],
      name: "controller-unsynced",
      waitReady: false,
    });
    try {
      await waitFor(
        "/healthz",
        async () => (await fetch(`${stuck.url}/healthz`).catch(() => undefined))?.status === 200,
        {
          context: () => stuck.process.output(),
        },
      );
      const ready = await fetch(`${stuck.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false });
    } finally {
      await stuck.stop();
    }
  });
});
