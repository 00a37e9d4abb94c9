// Status is output, never a command: a real certificate user whose role may write apikeys/status (a tenant
// role with resources ["*"] on the group) plants intents and key ids in an ApiKey's status. Nothing is
// minted, rolled or revoked outside that ApiKey's own policy-approved spec; a Warning names each planted
// claim; the ApiKey returns to Ready with its own key.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ApiKeyObject } from "../../../controller/reconcile/objects.ts";
import { paths } from "../../../controller/reconcile/objects.ts";
import { userKubeConfig } from "../../harness/control-plane.ts";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  KubeHelper,
  startControllerProcess,
} from "../../harness/controller.ts";
import { waitFor } from "../../harness/wait.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ctl: ControllerProcess;
let tenant: KubeHelper;
let mine: ApiKeyObject;
let theirs: ApiKeyObject;

const spec = (displayName: string) => ({
  displayName,
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "1h",
  rotation: { gracePeriod: "10m" },
});

async function keysOf(uid: string) {
  const res = await bed.ks.call("GET", `/v1/api_keys?limit=100&metadata[k8s_uid]=${uid}`, {
    key: bed.ks.adminKey,
  });
  return res.body.data;
}

/** As the tenant: rewrites `mine`'s status through the status subresource. */
async function plant(change: (status: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const current = await tenant.apiKey("mine");
  const status = change({ ...(current.status as Record<string, unknown>) });
  await tenant.rest.replace(paths.apiKeyStatus(bed.ns.name, "mine"), { ...current, status });
}

async function warningAbout(text: string) {
  return waitFor(`a Warning naming ${text}`, async () => {
    const events = await bed.kube.events();
    return events.find(
      (e) =>
        e.involvedObject.name === "mine" &&
        e.type === "Warning" &&
        e.reason === "StatusNotTrusted" &&
        e.message.includes(text),
    );
  });
}

/** Both ApiKeys keep exactly the one key they had, active, and no live key exists anywhere. */
async function expectNothingChanged(): Promise<void> {
  const back = await bed.kube.waitReady(
    "mine",
    (o) => o.status?.keyId === mine.status?.keyId && o.status?.pending === undefined,
  );
  expect(back.status?.previousKeys ?? []).toEqual([]);
  for (const o of [mine, theirs]) {
    const keys = await keysOf(o.metadata.uid);
    expect(keys.map((k) => [k.id, k.status])).toEqual([[o.status?.keyId, "active"]]);
  }
  const live = await bed.ks.call("GET", "/v1/api_keys?limit=100&environment=live", { key: bed.ks.adminKey });
  // The keys service's own bootstrap admin key aside, no live key exists.
  expect(live.body.data.filter((k) => k.metadata["ayra-keys/bootstrap"] === undefined)).toEqual([]);
  const value = await bed.kube.secretValue("mine");
  const found = await bed.ks.call("POST", "/v1/api_keys/introspect", {
    key: bed.ks.adminKey,
    body: { key: value },
  });
  expect(found.body).toMatchObject({ active: true, id: mine.status?.keyId, scopes: ["agents:read"] });
}

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-tamper");
  const { kube, ns } = bed;
  await kube.rest.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns.name}/roles`, {
    metadata: { name: "keys-everything" },
    rules: [{ apiGroups: ["keys.ayra.ai"], resources: ["*"], verbs: ["*"] }],
  });
  await kube.rest.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns.name}/rolebindings`, {
    metadata: { name: "tenant-keys-everything" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "keys-everything" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "tess" }],
  });
  tenant = new KubeHelper((await userKubeConfig(info, "tess", [])).kubeConfig, ns.name);
  ctl = await startControllerProcess({
    info,
    namespace: ns.name,
    keysUrl: bed.ks.url,
    apiKey: bed.ks.adminKey,
  });
  kube.context = () => ctl.lines.slice(-30).join("\n");
  await kube.createApiKey("mine", spec("Tenant Reader"));
  await kube.createApiKey("theirs", spec("Other Team Reader"));
  mine = await kube.waitReady("mine");
  theirs = await kube.waitReady("theirs");
  await waitFor("the tenant's role to take effect", async () => Boolean(await tenant.apiKey("mine")));
});

afterAll(async () => {
  await ctl?.stop();
  tenant?.close();
  await bed?.close();
});

describe("a tenant who may write apikeys/status", () => {
  it("cannot mint a live admin:full key by planting a pending create", async () => {
    await plant((s) => {
      const { keyId: _k, redacted: _r, ...rest } = s;
      return {
        ...rest,
        pending: {
          idempotencyKey: "planted-create",
          reason: "Created",
          startedAt: new Date().toISOString(),
          operation: "Create",
          applied: { displayName: "Root", environment: "live", scopes: ["admin:full"] },
          expiresAt: null,
        },
      };
    });
    await warningAbout("status.pending (a create, as live admin:full)");
    await expectNothingChanged();
  });

  it("cannot roll another ApiKey's key into its Secret by planting a pending roll", async () => {
    await plant((s) => ({
      ...s,
      pending: {
        idempotencyKey: "planted-roll",
        reason: "RotateRequested",
        startedAt: new Date().toISOString(),
        operation: "Roll",
        fromKeyId: theirs.status?.keyId,
        applied: { displayName: "Other Team Reader", environment: "test", scopes: ["agents:read"] },
        expiresAt: null,
        gracePeriodSeconds: 0,
      },
    }));
    await warningAbout(`a roll of ${theirs.status?.keyId}`);
    await expectNothingChanged();
  });

  it("cannot revoke another ApiKey's key by planting revokeKeyIds", async () => {
    await plant((s) => ({
      ...s,
      pending: {
        idempotencyKey: "planted-revoke",
        reason: "Compromised",
        startedAt: new Date().toISOString(),
        operation: "Create",
        applied: { displayName: "Tenant Reader", environment: "test", scopes: ["agents:read"] },
        expiresAt: null,
        revokeKeyIds: [theirs.status?.keyId],
      },
    }));
    await warningAbout(`revoking ${theirs.status?.keyId}`);
    await expectNothingChanged();
  });

  it("cannot point the controller at another ApiKey's key by swapping status.keyId", async () => {
    await plant((s) => ({
      ...s,
      keyId: theirs.status?.keyId,
      previousKeys: [{ keyId: theirs.status?.keyId, redacted: "x", revokeAfter: new Date().toISOString() }],
    }));
    await warningAbout(`status.keyId ${theirs.status?.keyId}`);
    await expectNothingChanged();
    // The swapped key was never rolled, patched or revoked: its record is as it was.
    const record = await bed.ks.call("GET", `/v1/api_keys/${theirs.status?.keyId}`, { key: bed.ks.adminKey });
    expect(record.body).toMatchObject({ status: "active", name: "Other Team Reader", rolled_from: null });
  });
});
