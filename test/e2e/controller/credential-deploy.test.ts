// The controller's own credential as installed: deploy/overlays/namespaced applied for real to a control plane
// of this file's own (its admission policies would disturb the other files on the shared one), and the
// controller run as its ServiceAccount (a TokenRequest token, not impersonation). Its Role lets it read and
// update the one credential Secret and nothing else in its namespace; the admission policy lets it update that
// unlabelled Secret but not relabel it; and the controller rotates the installer's key through exactly that.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KubeApiError, KubeRest } from "../../../controller/kube/rest.ts";
import type { SecretObject } from "../../../controller/kube/types.ts";
import { readCredentialRecord } from "../../../core/planner/credential-record.ts";
import { adminKubeConfig, type ControlPlane, startControlPlane } from "../../harness/control-plane.ts";
import { accessOf, kubectl, projectRoot } from "../../harness/controller.ts";
import { createKey, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";
import { serviceAccountKubeConfig } from "../deploy/service-account.ts";
import { type CredentialController, startCredentialController } from "./credential-controller.ts";

const SYSTEM = "ayra-keys-system";
const WATCHED = "apps";
const CREDENTIAL = `/api/v1/namespaces/${SYSTEM}/secrets/ayra-keys-api`;
let cp: ControlPlane;
let admin: KubeRest;
let sa: KubeRest;
let saKubeconfig: string;
let ks: TestKeyService | undefined;
let ctl: CredentialController | undefined;

async function refusal(write: () => Promise<unknown>): Promise<KubeApiError | undefined> {
  try {
    await write();
    return undefined;
  } catch (error) {
    if (error instanceof KubeApiError) return error;
    throw error;
  }
}

beforeAll(async () => {
  cp = await startControlPlane(inject("counterparts"));
  admin = new KubeRest({ access: accessOf(adminKubeConfig(cp)) });
  await admin.create("/api/v1/namespaces", { metadata: { name: WATCHED } });
  await kubectl(cp, [
    "apply",
    "--server-side",
    "--field-manager=ayra-keys-tests",
    "-k",
    join(projectRoot, "deploy", "overlays", "namespaced"),
  ]);
  const token = await serviceAccountKubeConfig(cp, admin, SYSTEM, "ayra-keys-controller");
  saKubeconfig = token.kubeconfigPath;
  sa = new KubeRest({ access: accessOf(token.kubeConfig) });
  ks = await startTestKeyService("sqlite");
}, 180_000);

afterAll(async () => {
  await ctl?.stop();
  await ks?.close();
  sa?.close();
  admin?.close();
  await cp?.stop();
});

describe("the installed controller's credential", () => {
  it("may update only its credential Secret, and rotates the installer's key through it", async () => {
    if (ks === undefined) throw new Error("no keys service");
    const installed = await createKey(ks, {
      name: "ayra-keys controller",
      environment: "live",
      scopes: ["admin:full"],
    });
    await admin.create(`/api/v1/namespaces/${SYSTEM}/secrets`, {
      metadata: { name: "ayra-keys-api", namespace: SYSTEM },
      stringData: { url: ks.url, apiKey: installed.secret },
    });
    await admin.create(`/api/v1/namespaces/${SYSTEM}/secrets`, {
      metadata: { name: "someone-else", namespace: SYSTEM },
      stringData: { token: "not-a-real-key" },
    });

    // RBAC: its one Secret, nothing else in its namespace.
    const theirs = await refusal(() => sa.get(`/api/v1/namespaces/${SYSTEM}/secrets/someone-else`));
    expect(theirs?.status).toBe(403);
    // Admission: the Secret is unlabelled, yet the controller may update it — but not label it as managed.
    // The policies are enforced once the API server has taken them in: probe with a Secret it must refuse.
    await waitFor("the Secret policy to be enforced", async () => {
      const probe = { metadata: { name: "probe", namespace: WATCHED }, stringData: { x: "y" } };
      const denied = await refusal(() => sa.create(`/api/v1/namespaces/${WATCHED}/secrets`, probe));
      if (denied === undefined) await admin.delete(`/api/v1/namespaces/${WATCHED}/secrets/probe`);
      return denied?.status === 403 && /ayra-keys-controller-writes/.test(denied.message);
    });
    const before = await sa.get<SecretObject>(CREDENTIAL);
    const relabel = {
      ...before,
      metadata: { ...before.metadata, labels: { "app.kubernetes.io/managed-by": "ayra-keys" } },
    };
    const denied = await refusal(() => sa.replace(CREDENTIAL, relabel));
    expect(denied?.status).toBe(403);
    expect(denied?.message).toMatch(/ayra-keys-controller-writes/);
    const current = await sa.get<SecretObject>(CREDENTIAL);
    const annotated = {
      ...current,
      metadata: { ...current.metadata, annotations: { "example.com/checked": "yes" } },
    };
    expect(await refusal(() => sa.replace(CREDENTIAL, annotated))).toBeUndefined();

    ctl = await startCredentialController({
      info: cp,
      kubeconfigPath: saKubeconfig,
      namespace: WATCHED,
      keysUrl: ks.url,
      secret: { ref: `${SYSTEM}/ayra-keys-api`, key: "apiKey" },
      args: ["--credential-rotation", "30d", "--credential-grace", "24h"],
    });
    const rotated = await waitFor(
      "the installer's key to be replaced",
      async () => {
        const secret = await admin.get<SecretObject>(CREDENTIAL);
        const record = readCredentialRecord(secret.metadata.annotations);
        return record.keyId !== undefined && record.keyId !== installed.id && !record.pending
          ? secret
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, context: () => ctl?.lines.slice(-20).join("\n") ?? "" },
    );
    const value = Buffer.from(rotated.data?.apiKey ?? "", "base64").toString("utf8");
    const found = await ks.call("POST", "/v1/api_keys/introspect", {
      key: ks.adminKey,
      body: { key: value },
    });
    expect(found.body).toMatchObject({
      active: true,
      id: readCredentialRecord(rotated.metadata.annotations).keyId,
    });
    // The rest of the Secret is as it was: the URL, and others' annotations.
    expect(Buffer.from(rotated.data?.url ?? "", "base64").toString("utf8")).toBe(ks.url);
    expect(rotated.metadata.annotations?.["example.com/checked"]).toBe("yes");
    const log = ctl.lines.join("\n");
    expect(log).not.toMatch(/forbidden/i);
    expect(log.includes(installed.secret) || log.includes(value)).toBe(false);
  });
});
