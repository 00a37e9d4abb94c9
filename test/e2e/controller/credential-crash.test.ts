// The controller dies between rolling its own key and writing the new one into its Secret: killed from outside
// right after the keys service executed the roll, before the answer reaches it (the real crash window). Within
// the replay window the restarted controller replays the roll with the Idempotency-Key it recorded and gets the
// very same new key; past it, the service runs the roll again and refuses it (`roll_in_progress`), so the
// controller revokes the key the lost roll minted and mints a successor. Either way it is never locked out.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ControllerTestBed, controllerTestBed } from "../../harness/controller.ts";
import { type HoldingProxy, startHoldingProxy } from "../../harness/holding-proxy.ts";
import { type ApiBody, createKey } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";
import {
  type CredentialController,
  createCredentialSecret,
  keysApiStatuses,
  metricValue,
  readCredential,
  SECRET,
  startCredentialController,
} from "./credential-controller.ts";

const info = inject("controlPlane");
const HOUR = 3_600_000;
let bed: ControllerTestBed;
let proxy: HoldingProxy;
let ctl: CredentialController | undefined;
let killAfter: ((method: string, path: string) => boolean) | undefined;
let killed = 0;
const values = new Set<string>();

/** The controller being started: a bootstrap roll may reach the proxy before the start has returned. */
let starting: Promise<CredentialController> | undefined;

async function controller(): Promise<CredentialController> {
  starting = startCredentialController({
    info,
    namespace: bed.ns.name,
    keysUrl: proxy.url,
    args: ["--credential-rotation", "30d", "--credential-grace", "48h"],
  });
  ctl = await starting;
  return ctl;
}

async function getKey(id: string): Promise<ApiBody> {
  return (await bed.ks.call("GET", `/v1/api_keys/${id}`, { key: bed.ks.adminKey })).body;
}

async function keysNamed(name: string): Promise<ApiBody[]> {
  const res = await bed.ks.call("GET", `/v1/api_keys?limit=100&name=${encodeURIComponent(name)}`, {
    key: bed.ks.adminKey,
  });
  return res.body.data;
}

async function introspect(value: string): Promise<ApiBody> {
  return (
    await bed.ks.call("POST", "/v1/api_keys/introspect", { key: bed.ks.adminKey, body: { key: value } })
  ).body;
}

/** A bootstrap key in a fresh credential Secret; the controller started and killed right after its roll. */
async function crashAfterRoll(name: string): Promise<{ bootstrap: { id: string }; orphanOrNew: string }> {
  const bootstrap = await createKey(bed.ks, { name, environment: "live", scopes: ["admin:full"] });
  values.add(bootstrap.secret);
  await bed.kube.rest.delete(`/api/v1/namespaces/${bed.ns.name}/secrets/${SECRET}`).catch(() => undefined);
  await createCredentialSecret(bed.kube, bootstrap.secret);
  const before = killed;
  killAfter = (method, path) => method === "POST" && path === `/v1/api_keys/${bootstrap.id}/roll`;
  const started = await controller();
  await waitFor("the controller to be killed after its roll", async () => killed === before + 1, {
    timeoutMs: 120_000,
    context: () => started.lines.slice(-15).join("\n"),
  });

  // The crash window: the roll happened, the Secret still holds the old key and the recorded roll.
  const crashed = await readCredential(bed.kube);
  expect(crashed.record.pending).toMatchObject({ kind: "roll", oldKeyId: bootstrap.id });
  expect((await introspect(crashed.value)).id).toBe(bootstrap.id);
  const old = await getKey(bootstrap.id);
  expect(old.status).toBe("expiring");
  expect(old.replaced_by).toMatch(/^key_/);
  return { bootstrap, orphanOrNew: old.replaced_by ?? "" };
}

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-cred-crash");
  proxy = await startHoldingProxy(bed.ks.url, {
    hold: () => false,
    beforeAnswer: async (method, path) => {
      if (killAfter === undefined || !killAfter(method, path) || starting === undefined) return;
      killAfter = undefined;
      const dying = await starting;
      ctl = undefined;
      await dying.kill();
      killed++;
    },
  });
});

afterAll(async () => {
  await ctl?.stop();
  await proxy?.close();
  await bed?.close();
});

describe("killed between the roll of its own key and the write", () => {
  it("within the replay window: replays the recorded roll and gets the same new key", async () => {
    const name = "ayra-keys controller (replay)";
    const { bootstrap, orphanOrNew: rolledTo } = await crashAfterRoll(name);
    const again = await controller();
    const settled = await waitFor(
      "the Secret to hold the rolled key",
      async () => {
        const c = await readCredential(bed.kube);
        return c.record.pending === undefined && c.record.keyId !== undefined ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, context: () => again.lines.slice(-20).join("\n") },
    );
    values.add(settled.value);
    expect(settled.record.keyId).toBe(rolledTo);
    expect(await introspect(settled.value)).toMatchObject({ active: true, id: rolledTo });
    expect(settled.record.previous?.id).toBe(bootstrap.id);
    // Exactly one key minted: the roll's, now in use; the bootstrap key in its grace.
    const keys = await keysNamed(name);
    expect(keys.map((k) => [k.id, k.status]).sort()).toEqual(
      [
        [bootstrap.id, "expiring"],
        [rolledTo, "active"],
      ].sort(),
    );
    expect(
      await metricValue(again.url, "ayra_keys_controller_credential_rotations_total", 'result="replayed"'),
    ).toBe(1);
    const statuses = await keysApiStatuses(again.url);
    expect([...statuses.keys()].filter((s) => !/ 2\d\d$/.test(s))).toEqual([]);
    await again.stop();
    ctl = undefined;
  });

  it("past the replay window: revokes the lost roll's key and mints a successor", async () => {
    const name = "ayra-keys controller (successor)";
    const { bootstrap, orphanOrNew: orphan } = await crashAfterRoll(name);
    // A day passes for the keys service (its replay window is the default 24 h; the grace is 48 h).
    bed.ks.clock.advance(25 * HOUR);
    const again = await controller();
    const settled = await waitFor(
      "the Secret to hold a successor",
      async () => {
        const c = await readCredential(bed.kube);
        return c.record.pending === undefined && c.record.keyId !== undefined ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, context: () => again.lines.slice(-20).join("\n") },
    );
    values.add(settled.value);
    const successorId = settled.record.keyId ?? "";
    expect(successorId).not.toBe(orphan);
    expect(await introspect(settled.value)).toMatchObject({ active: true, id: successorId });
    const successor = await getKey(successorId);
    expect(successor).toMatchObject({ name, environment: "live", scopes: ["admin:full"], rolled_from: null });
    // The orphan nobody ever held is revoked; only the successor is active; the old key is in its grace.
    expect(await getKey(orphan)).toMatchObject({ status: "revoked", revocation_reason: "unused" });
    const keys = await keysNamed(name);
    expect(keys.map((k) => [k.id, k.status]).sort()).toEqual(
      [
        [bootstrap.id, "expiring"],
        [orphan, "revoked"],
        [successorId, "active"],
      ].sort(),
    );
    expect(settled.record.previous?.id).toBe(bootstrap.id);
    const metric = (result: string) =>
      metricValue(again.url, "ayra_keys_controller_credential_rotations_total", `result="${result}"`);
    expect(await metric("successor")).toBe(1);
    expect(await metric("orphan_revoked")).toBe(1);
    // The one refused call is the replay the service would no longer answer: 409 roll_in_progress.
    const statuses = await keysApiStatuses(again.url);
    expect([...statuses.keys()].filter((s) => !/ 2\d\d$/.test(s))).toEqual(["rollApiKey 409"]);
    const log = again.lines.join("\n");
    for (const value of values) expect(log.includes(value)).toBe(false);
  });
});
