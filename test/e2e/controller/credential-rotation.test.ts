// The controller's own keys-API key rotates while it works: started with a bootstrap admin key in its credential
// Secret and a 5 s rotation, it rolls the bootstrap key at once, writes each new key back, revokes each old key
// after the grace — and 100 ApiKeys reconcile meanwhile without one refused call.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ControllerTestBed, controllerTestBed } from "../../harness/controller.ts";
import { createKey } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";
import {
  type CredentialController,
  createCredentialSecret,
  keysApiStatuses,
  metricValue,
  readCredential,
  startCredentialController,
} from "./credential-controller.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ctl: CredentialController | undefined;
let bootstrap: { id: string; secret: string };
const seenValues = new Set<string>();

const COUNT = 100;
const spec = {
  displayName: "Credential Load",
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "1h",
};

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-cred");
  bootstrap = await createKey(bed.ks, {
    name: "ayra-keys controller",
    environment: "live",
    scopes: ["admin:full"],
  });
  seenValues.add(bootstrap.secret);
  await createCredentialSecret(bed.kube, bootstrap.secret);
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

async function keyStatus(id: string): Promise<{ status: string; revocation_reason: string | null }> {
  const res = await bed.ks.call("GET", `/v1/api_keys/${id}`, { key: bed.ks.adminKey });
  return res.body;
}

describe("the controller's credential rotates while 100 ApiKeys reconcile", () => {
  it("rolls the bootstrap key, writes each new key back, revokes the old ones, and no call fails", async () => {
    ctl = await startCredentialController({
      info,
      namespace: bed.ns.name,
      keysUrl: bed.ks.url,
      args: ["--credential-rotation", "5s", "--credential-grace", "2s"],
    });
    bed.kube.context = () => ctl?.lines.slice(-30).join("\n") ?? "";
    const names = Array.from({ length: COUNT }, (_, i) => `load-${String(i).padStart(3, "0")}`);
    for (let i = 0; i < names.length; i += 20)
      await Promise.all(names.slice(i, i + 20).map((name) => bed.kube.createApiKey(name, spec)));

    // The bootstrap key is replaced first: the Secret names another key, and holds it.
    const first = await waitFor(
      "the bootstrap key to be replaced in the Secret",
      async () => {
        const c = await readCredential(bed.kube);
        return c.record.keyId !== undefined && c.record.keyId !== bootstrap.id ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, context: () => ctl?.lines.slice(-20).join("\n") ?? "" },
    );
    seenValues.add(first.value);
    expect(first.value).not.toBe(bootstrap.secret);
    const firstNew = await keyStatus(first.record.keyId ?? "");
    expect(firstNew).toMatchObject({ status: "active" });

    // After the grace the bootstrap key is revoked as replaced.
    const old = await waitFor(
      "the bootstrap key to be revoked",
      async () => {
        const k = await keyStatus(bootstrap.id);
        return k.status === "revoked" ? k : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(old.revocation_reason).toBe("replaced");

    for (const name of names) await bed.kube.waitReady(name, () => true, 120_000);

    // At least one more rotation on schedule after the bootstrap one, while the ApiKeys were worked on.
    await waitFor(
      "a second rotation",
      async () =>
        (await metricValue(
          ctl?.url ?? "",
          "ayra_keys_controller_credential_rotations_total",
          'result="rotated"',
        )) >= 2,
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        context: () =>
          ctl?.lines
            .filter((l) => l.includes('"component":"credential"'))
            .slice(-10)
            .join("\n") ?? "",
      },
    );
    const now = await waitFor("the Secret to hold a settled key", async () => {
      const c = await readCredential(bed.kube);
      return c.record.pending === undefined ? c : undefined;
    });
    seenValues.add(now.value);

    // The Secret holds the key its record names, and that key works.
    const found = await bed.ks.call("POST", "/v1/api_keys/introspect", {
      key: bed.ks.adminKey,
      body: { key: now.value },
    });
    expect(found.body).toMatchObject({ active: true, id: now.record.keyId });
    expect(now.record.rotatedAt).toBeDefined();

    // Of all the controller's keys (one name), only the current one and at most the one in its grace still work.
    const mine = await bed.ks.call("GET", "/v1/api_keys?limit=100&name=ayra-keys%20controller", {
      key: bed.ks.adminKey,
    });
    const working = mine.body.data.filter((k) => k.status === "active" || k.status === "expiring");
    expect(working.filter((k) => k.status === "active").map((k) => k.id)).toEqual([now.record.keyId]);
    expect(working.length).toBeLessThanOrEqual(2);
    expect(mine.body.data.length).toBeGreaterThanOrEqual(3);

    // No call of the controller was refused or failed: every keys-API answer it counted is a 2xx.
    const statuses = await keysApiStatuses(ctl.url);
    expect([...statuses.keys()].filter((s) => !/ 2\d\d$/.test(s))).toEqual([]);
    expect(statuses.get("rollApiKey 201")).toBeGreaterThanOrEqual(2);
    expect(
      await metricValue(ctl.url, "ayra_keys_controller_credential_rotations_total", 'result="failed"'),
    ).toBe(0);
    expect(await metricValue(ctl.url, "ayra_keys_controller_credential_locked_out")).toBe(0);

    // The annotations hold ids and times only, and the log holds no key the Secret ever held.
    expect(JSON.stringify(now.annotations)).not.toMatch(/sk_(live|test)_/);
    const log = ctl.lines.join("\n");
    for (const value of seenValues) expect(log.includes(value)).toBe(false);
  }, 300_000);
});
