// A keys service holding a mix of controller-, Pulumi- and unmanaged keys, and ApiKeys in a namespace of the
// shared control plane that hold some of them: what `registry` and `reminders` read. Built through the public
// APIs (keys API, kube-apiserver), as the controller and the Pulumi provider would have left them.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { paths } from "../../../controller/reconcile/objects.ts";
import { metadataFor } from "../../../provider/runtime/keys.ts";
import type { ControlPlaneInfo } from "../../harness/control-plane.ts";
import { adminKubeConfig } from "../../harness/control-plane.ts";
import { ensureCrds, KubeHelper } from "../../harness/controller.ts";
import {
  createKey,
  type Store,
  startTestKeyService,
  type TestKeyService,
} from "../../harness/keys-service.ts";
import { createTestNamespace, type TestNamespace } from "../../harness/namespace.ts";
import { CLI_MAIN } from "../../harness/serve-process.ts";
import { makeTempDir, removeTempDir } from "../../harness/temp-dirs.ts";
import { waitFor } from "../../harness/wait.ts";

const run = promisify(execFile);
export const DAY_MS = 86_400_000;
export const BIDI_NAME = "invoice\u202Egpj.exe";

export interface Fixture {
  ks: TestKeyService;
  ns: TestNamespace;
  kube: KubeHelper;
  dir: string;
  apiKeyFile: string;
  /** Key ids by role. */
  ids: {
    admin: string;
    web: string;
    orphan: string;
    pulumi: string;
    used: string;
    bidi: string;
    scheduled: string;
    revoked: string;
  };
  webUid: string;
  /** The revoked key's value: presenting it again is what `registry` flags. */
  revokedSecret: string;
  pulumiSlot: string;
  /** The expiry the service recorded for the keys that have one. */
  expires: { web: string; pulumi: string };
  scheduledAt: string;
  close(): Promise<void>;
}

export async function buildFixture(info: ControlPlaneInfo, store: Store): Promise<Fixture> {
  const kc = adminKubeConfig(info);
  await ensureCrds(info, kc);
  const ns = await createTestNamespace(kc, "registry");
  const kube = new KubeHelper(kc, ns.name);
  const ks = await startTestKeyService(store);
  const dir = await makeTempDir("ayra-keys-registry-");
  const apiKeyFile = join(dir, "api-key");
  await writeFile(apiKeyFile, ks.adminKey, { mode: 0o600 });

  const web = await kube.createApiKey("web", {
    displayName: "Web shop",
    environment: "live",
    scopes: ["agents:read"],
    secret: { name: "web-key" },
    restartTargets: [
      { kind: "Deployment", name: "web" },
      { kind: "StatefulSet", name: "worker" },
    ],
  });
  const admin = (await ks.call("GET", "/v1/api_keys?limit=1", { key: ks.adminKey })).body.data[0]?.id ?? "";

  // Keys made 40 days ago (the service's clock set back), so "unused for 30d" has something to find.
  ks.clock.offsetMs = -40 * DAY_MS;
  const in10 = new Date(Date.now() + 10 * DAY_MS).toISOString();
  const in60 = new Date(Date.now() + 60 * DAY_MS).toISOString();
  const webKey = await createKey(ks, {
    name: "Web shop",
    environment: "live",
    scopes: ["agents:read", "conversations:read"],
    expires_at: in10,
    metadata: {
      managed_by: "ayra-keys-controller",
      k8s_cluster: "eu-1",
      k8s_namespace: ns.name,
      k8s_name: "web",
      k8s_uid: web.metadata.uid,
      owner: "jane@example.com",
      purpose: "checkout",
    },
  });
  const orphan = await createKey(ks, {
    name: "Deleted ApiKey",
    environment: "live",
    scopes: ["agents:read"],
    metadata: {
      managed_by: "ayra-keys-controller",
      k8s_cluster: "eu-1",
      k8s_namespace: ns.name,
      k8s_name: "gone",
      k8s_uid: "00000000-0000-0000-0000-000000000000",
    },
  });
  const pulumiSlot = "urn:pulumi:prod::shop::ayra:index:ApiKey::ci";
  const pulumi = await createKey(ks, {
    name: "CI deploys",
    environment: "test",
    scopes: ["agents:write"],
    expires_at: in60,
    metadata: metadataFor({
      slot: pulumiSlot,
      displayName: "CI deploys",
      environment: "test",
      scopes: ["agents:write"],
      owner: "ops@example.com",
      purpose: "deploys",
    }),
  });
  const used = await createKey(ks, {
    name: "Reporting",
    environment: "live",
    scopes: ["api_keys:read"],
    metadata: { owner: "Jane@Example.com" },
  });
  const bidi = await createKey(ks, { name: BIDI_NAME, environment: "test", scopes: ["agents:read"] });
  const scheduled = await createKey(ks, {
    name: "Old partner",
    environment: "live",
    scopes: ["contacts:read"],
  });
  const revoked = await createKey(ks, { name: "Revoked", environment: "live", scopes: ["agents:read"] });
  ks.clock.offsetMs = 0;

  const scheduledAt = new Date(Date.now() + 5 * DAY_MS).toISOString();
  await ks.call("POST", `/v1/api_keys/${scheduled.id}/revoke`, {
    key: ks.adminKey,
    body: { reason: "project_ended", effective_at: scheduledAt },
  });
  await ks.call("POST", `/v1/api_keys/${revoked.id}/revoke`, {
    key: ks.adminKey,
    body: { reason: "unused" },
  });
  // The controller's record of the key it serves.
  await kube.rest.mergePatch(paths.apiKeyStatus(ns.name, "web"), {
    status: {
      keyId: webKey.id,
      redacted: webKey.body.redacted,
      secretName: "web-key",
      lastRotatedAt: "2026-01-02T03:04:05Z",
    },
  });
  // One key in use now; its last use is flushed to the store.
  await ks.call("GET", "/v1/api_keys?limit=1", { key: used.secret });
  await waitFor("the use to be recorded", async () => {
    const res = await ks.call("GET", `/v1/api_keys/${used.id}`, { key: ks.adminKey });
    return res.body.last_used_at !== null;
  });

  return {
    ks,
    ns,
    kube,
    dir,
    apiKeyFile,
    ids: {
      admin,
      web: webKey.id,
      orphan: orphan.id,
      pulumi: pulumi.id,
      used: used.id,
      bidi: bidi.id,
      scheduled: scheduled.id,
      revoked: revoked.id,
    },
    webUid: web.metadata.uid,
    revokedSecret: revoked.secret,
    pulumiSlot,
    expires: { web: webKey.body.expires_at ?? "", pulumi: pulumi.body.expires_at ?? "" },
    scheduledAt,
    async close() {
      kube.close();
      await ks.close();
      await ns.delete();
      await removeTempDir(dir);
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ayra-keys ARGS` against the fixture's keys service, with a kubeconfig only when given one. */
export async function runCli(fixture: Fixture, args: string[], kubeconfig?: string): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: fixture.dir,
    AYRA_API_URL: fixture.ks.url,
    ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
  };
  try {
    const out = await run(process.execPath, [CLI_MAIN, ...args, "--api-key-file", fixture.apiKeyFile], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
