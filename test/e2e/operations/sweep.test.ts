// `ayra-keys sweep` over keys left by the real controller and the real Pulumi CLI: an ApiKey force-deleted
// (finalizer removed) while no controller ran, a stack removed with `pulumi stack rm --force` without destroy, a
// key of a slot a crashed update left — found, and nothing else. Unreadable sources make keys unknown, never
// stray; --revoke revokes exactly the strays, with reason unused.
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Stack } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SweepDocument } from "../../../core/operations/sweep-format.ts";
import { ApiKey } from "../../../provider/index.ts";
import { metadataFor } from "../../../provider/runtime/keys.ts";
import {
  type ControllerTestBed,
  controllerTestBed,
  startControllerProcess,
} from "../../harness/controller.ts";
import { createKey } from "../../harness/keys-service.ts";
import { pulumiPath } from "../../harness/pulumi.ts";
import { waitFor } from "../../harness/wait.ts";
import {
  createSlotStack,
  type KeysProxy,
  resourceNamed,
  type SlotStack,
  startKeysProxy,
  stateFilePath,
} from "../pulumi/support.ts";
import { type CliResult, runCli } from "./run-cli.ts";

const info = inject("controlPlane");
const MIN_AGE = "20s";
const PAST_MIN_AGE_MS = 21_000;
const MINUTE_MS = 60_000;
let bed: ControllerTestBed;
let proxy: KeysProxy;
let stack: SlotStack;
let env: Record<string, string>;
const ids = {
  gone: "",
  live: "",
  dev: "",
  prod: "",
  crashed: "",
  unmanaged: "",
  otherCluster: "",
  young: "",
};

const program = async () => {
  const web = new ApiKey("web", {
    displayName: "Sweep shop web",
    environment: "test",
    scopes: ["agents:read"],
    expiresAfter: "30d",
  });
  return { keyId: web.keyId };
};

const spec = (displayName: string) => ({
  displayName,
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "1h",
  deletionPolicy: "Revoke",
});

/** Metadata as the controller writes it, for an ApiKey (never created) of `cluster`. */
const controllerMetadata = (cluster: string) => ({
  managed_by: "ayra-keys-controller",
  k8s_cluster: cluster,
  k8s_namespace: bed.ns.name,
  k8s_name: "elsewhere",
  k8s_uid: randomUUID(),
  deletion_policy: "Revoke",
});

/**
 * A key whose ApiKey is gone, minted by a keys service whose clock runs ten minutes ahead: younger than
 * --min-age for the whole file, however slow the machine (a real sweep meets such keys after clock skew too).
 */
async function mintYoung(): Promise<string> {
  bed.ks.clock.offsetMs = 10 * MINUTE_MS;
  try {
    const key = await createKey(bed.ks, {
      name: "Just minted",
      environment: "test",
      scopes: ["agents:read"],
      metadata: controllerMetadata("e2e"),
    });
    return key.id;
  } finally {
    bed.ks.clock.offsetMs = 0;
  }
}

const statusOf = async (id: string) =>
  (await bed.ks.call("GET", `/v1/api_keys/${id}`, { key: bed.ks.adminKey })).body;

async function sweepJson(args: string[]): Promise<{ out: CliResult; doc: SweepDocument }> {
  const out = await runCli(
    ["sweep", "--output", "json", "--min-age", MIN_AGE, "--cluster-id", "e2e", ...args],
    env,
  );
  let doc: SweepDocument;
  try {
    doc = JSON.parse(out.stdout);
  } catch {
    throw new Error(`not JSON (exit ${out.code}): ${out.stdout}\n${out.stderr}`);
  }
  return { out, doc };
}

const verdicts = (doc: SweepDocument) =>
  Object.fromEntries(doc.data.map((f) => [f.id, `${f.verdict}:${f.reason}`]));

beforeAll(async () => {
  bed = await controllerTestBed(info, "ops-sweep");
  const { ks, kube } = bed;
  proxy = await startKeysProxy(() => ks.url);

  // Two stacks of one project in one backend; `dev` is removed without destroy, `test` stays.
  stack = await createSlotStack({ projectName: "sweepshop", program, proxy, apiKey: ks.adminKey });
  const dev = await Stack.createOrSelect("dev", stack.workspace);
  await dev.setAllConfig({
    "ayra:apiUrl": { value: proxy.url },
    "ayra:apiKey": { value: ks.adminKey, secret: true },
  });
  ids.prod = String((await stack.stack.up()).outputs.keyId?.value);
  ids.dev = String((await dev.up()).outputs.keyId?.value);
  await stack.workspace.removeStack("dev", { force: true });
  // A key minted for the live stack's slot by an update that crashed before the state was written.
  const webUrn = resourceNamed(await stack.stack.exportStack(), "web").urn;
  ids.crashed = (
    await createKey(ks, {
      name: "Sweep shop web",
      environment: "test",
      scopes: ["agents:read"],
      metadata: metadataFor({
        slot: webUrn,
        displayName: "Sweep shop web",
        environment: "test",
        scopes: ["agents:read"],
      }),
    })
  ).id;

  // Two ApiKeys the real controller serves; one is force-deleted while no controller runs.
  const ctl = await startControllerProcess({
    info,
    namespace: bed.ns.name,
    keysUrl: ks.url,
    apiKey: ks.adminKey,
  });
  await kube.createApiKey("gone", spec("Sweep gone"));
  await kube.createApiKey("live", spec("Sweep live"));
  ids.gone = (await kube.waitReady("gone")).status?.keyId ?? "";
  ids.live = (await kube.waitReady("live")).status?.keyId ?? "";
  await ctl.stop();
  await kube.patchApiKey("gone", { metadata: { finalizers: ["example.com/hold"] } });
  await kube.deleteApiKey("gone");
  await waitFor(
    "the ApiKey to be terminating",
    async () => (await kube.apiKey("gone")).metadata.deletionTimestamp,
  );
  await kube.patchApiKey("gone", { metadata: { finalizers: null } });
  await waitFor("the ApiKey to be gone", () =>
    kube.apiKey("gone").then(
      () => false,
      () => true,
    ),
  );

  ids.unmanaged = (
    await createKey(ks, { name: "Sweep script", environment: "test", scopes: ["agents:read"] })
  ).id;
  ids.otherCluster = (
    await createKey(ks, {
      name: "Other cluster",
      environment: "test",
      scopes: ["agents:read"],
      metadata: controllerMetadata("another-cluster"),
    })
  ).id;
  // Every key so far must be older than --min-age when the sweeps run (a slow machine only makes them older).
  const newest = Math.max(
    ...(await Promise.all(
      Object.values(ids)
        .filter(Boolean)
        .map(async (id) => Date.parse((await statusOf(id)).created_at)),
    )),
  );
  await waitFor("the keys to be older than --min-age", () => Date.now() > newest + PAST_MIN_AGE_MS, {
    timeoutMs: 60_000,
  });
  ids.young = await mintYoung();

  env = {
    AYRA_API_URL: ks.url,
    AYRA_API_KEY: ks.adminKey,
    KUBECONFIG: info.kubeconfigPath,
    PULUMI_BACKEND_URL: `file://${stack.backendDir}`,
    PULUMI_HOME: stack.env.PULUMI_HOME ?? "",
    PATH: pulumiPath(inject("counterparts")),
  };
}, 240_000);

afterAll(async () => {
  await stack?.dispose();
  await proxy?.close();
  await bed?.close();
});

describe("ayra-keys sweep", () => {
  it("finds the force-deleted ApiKey's key, the removed stack's key and the crashed slot's key, and nothing else", async () => {
    const { out, doc } = await sweepJson([]);
    expect(out.code, out.stderr).toBe(6);
    expect(doc).toMatchObject({ dry_run: true, cluster: { id: "e2e", read: true }, pulumi: { read: true } });
    expect(verdicts(doc)).toEqual({
      [ids.gone]: "stray:apikey_gone",
      [ids.dev]: "stray:stack_gone",
      [ids.crashed]: "stray:not_held_by_stack",
      [ids.young]: "unknown:too_young",
    });
    const why = (id: string) => doc.data.find((f) => f.id === id)?.why;
    expect(why(ids.gone)).toMatch(
      new RegExp(`^ApiKey ${bed.ns.name}/gone \\(uid [0-9a-f-]{36}\\) no longer exists$`),
    );
    expect(why(ids.dev)).toBe(`stack sweepshop/dev no longer exists in file://${stack.backendDir}`);
    expect(why(ids.crashed)).toBe("stack sweepshop/test has no resource holding this key");
    // The live ApiKey's key, the live stack's key, the unmanaged key and another cluster's: counted, not listed.
    expect(doc.summary).toMatchObject({ stray: 3, unknown: 1 });
    expect(doc.summary.kept).toBe(2);
    for (const id of [ids.live, ids.prod, ids.unmanaged, ids.otherCluster])
      expect(verdicts(doc)[id]).toBeUndefined();
    for (const id of Object.values(ids)) expect((await statusOf(id)).status).toBe("active");
  });

  it("prints a table of strays and unknowns with the reasons, and says nothing changed", async () => {
    const out = await runCli(["sweep", "--min-age", MIN_AGE, "--cluster-id", "e2e"], env);
    expect(out.code).toBe(6);
    const line = out.stdout.split("\n").find((l) => l.includes(ids.dev));
    expect(line).toMatch(
      /^STRAY\s+key_\w+\s+Sweep shop web\s+sk_test_\S+\s+pulumi .*stack sweepshop\/dev no longer exists/,
    );
    expect(out.stdout).toContain("3 stray, 1 unknown, 2 kept");
    expect(out.stdout).toContain("Dry run: nothing changed.");
  });

  it("never calls a key stray when the cluster, the backend or a stack cannot be read", async () => {
    const offline = await sweepJson([
      "--kubeconfig",
      join(stack.backendDir, "missing"),
      "--pulumi-backend",
      "file:///nonexistent/state",
    ]);
    expect(offline.out.code, offline.out.stderr).toBe(7);
    expect(offline.doc.summary.stray).toBe(0);
    expect(verdicts(offline.doc)).toMatchObject({
      [ids.gone]: "unknown:cluster_unreadable",
      [ids.dev]: "unknown:pulumi_backend_unreadable",
      [ids.crashed]: "unknown:pulumi_backend_unreadable",
    });
    // A stack whose state cannot be read fails the whole listing: every Pulumi key is unknown.
    const file = stateFilePath(stack);
    const state = await readFile(file, "utf8");
    await writeFile(file, "{not json");
    try {
      const broken = await sweepJson([]);
      expect(broken.out.code).toBe(6);
      expect(verdicts(broken.doc)).toMatchObject({
        [ids.gone]: "stray:apikey_gone",
        [ids.dev]: "unknown:pulumi_backend_unreadable",
        [ids.crashed]: "unknown:pulumi_backend_unreadable",
      });
    } finally {
      await writeFile(file, state);
    }
  });

  it("does not revoke without confirmation when there is no terminal", async () => {
    const out = await runCli(["sweep", "--revoke", "--min-age", MIN_AGE, "--cluster-id", "e2e"], env);
    expect(out.code).toBe(5);
    expect(out.stderr).toContain("not confirmed");
    for (const id of Object.values(ids)) expect((await statusOf(id)).status).toBe("active");
  });

  it("--revoke --yes revokes exactly the strays, with reason unused", async () => {
    const strays = [ids.gone, ids.dev, ids.crashed];
    const { out, doc } = await sweepJson(["--revoke", "--yes"]);
    expect(out.code, out.stderr).toBe(0);
    expect(doc.revocations.map((r) => `${r.id}:${r.outcome}`).sort()).toEqual(
      strays.map((id) => `${id}:revoked`).sort(),
    );
    expect(verdicts(doc)[ids.young]).toBe("unknown:too_young");
    expect(doc.request_ids.filter((r) => r.operation === "revokeApiKey")).toHaveLength(3);
    expect(doc.request_ids.every((r) => r.request_id !== null)).toBe(true);
    expect(out.stderr).toMatch(/\[3\/3\] revoking key_/);
    for (const id of strays)
      expect(await statusOf(id)).toMatchObject({ status: "revoked", revocation_reason: "unused" });
    for (const id of [ids.live, ids.prod, ids.unmanaged, ids.otherCluster, ids.young])
      expect((await statusOf(id)).status).toBe("active");
    const again = await sweepJson([]);
    expect(again.out.code).toBe(0);
    expect(again.doc.summary.stray).toBe(0);
  });

  it("takes this cluster's id from the uid of kube-system when --cluster-id is not given", async () => {
    const kubeSystem = await bed.kube.rest.get<{ metadata: { uid: string } }>(
      "/api/v1/namespaces/kube-system",
    );
    bed.ks.clock.offsetMs = -60 * MINUTE_MS;
    let here: string;
    try {
      here = (
        await createKey(bed.ks, {
          name: "This cluster's",
          environment: "test",
          scopes: ["agents:read"],
          metadata: controllerMetadata(kubeSystem.metadata.uid),
        })
      ).id;
    } finally {
      bed.ks.clock.offsetMs = 0;
    }
    const out = await runCli(["sweep", "--output", "json", "--min-age", MIN_AGE], env);
    const doc: SweepDocument = JSON.parse(out.stdout);
    expect(doc.cluster).toMatchObject({ id: kubeSystem.metadata.uid, read: true });
    expect(verdicts(doc)[here]).toBe("stray:apikey_gone");
    // The controller's keys name cluster e2e: another cluster's, not judged here.
    expect(verdicts(doc)[ids.live]).toBeUndefined();
    expect(doc.summary.not_judged).toBeGreaterThanOrEqual(3);
  });

  it("refuses a bad --min-age naming the flag", async () => {
    const out = await runCli(["sweep", "--min-age", "soon"], env);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("ayra-keys sweep: --min-age: ");
  });
});
