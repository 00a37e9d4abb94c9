// Someone else replaces the controller's key: a person puts a new key into the credential Secret and revokes
// the old one at once. The controller's next keys-API call is refused (401); it reads the Secret again, takes
// the new key, and carries on — without a restart and without rotating anything itself.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ControllerTestBed, controllerTestBed } from "../../harness/controller.ts";
import { createKey } from "../../harness/keys-service.ts";
import {
  type CredentialController,
  createCredentialSecret,
  metricValue,
  SECRET,
  startCredentialController,
} from "./credential-controller.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ctl: CredentialController | undefined;

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-cred-adopt");
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

const spec = { displayName: "Adopt Check", environment: "test", scopes: ["agents:read"], expiresAfter: "1h" };

describe("a key replaced by hand in the credential Secret", () => {
  it("is taken up after the first 401, and the controller keeps working", async () => {
    const body = { name: "ayra-keys controller (by hand)", environment: "live", scopes: ["admin:full"] };
    const first = await createKey(bed.ks, body);
    await createCredentialSecret(bed.kube, first.secret);
    ctl = await startCredentialController({ info, namespace: bed.ns.name, keysUrl: bed.ks.url, args: [] });
    bed.kube.context = () => ctl?.lines.slice(-20).join("\n") ?? "";
    await bed.kube.createApiKey("before", spec);
    await bed.kube.waitReady("before");

    // By hand: a new key into the Secret, the old one revoked at once.
    const second = await createKey(bed.ks, body);
    const path = `/api/v1/namespaces/${bed.ns.name}/secrets/${SECRET}`;
    await bed.kube.rest.mergePatch(path, {
      data: { "api-key": Buffer.from(second.secret).toString("base64") },
    });
    const revoked = await bed.ks.call("POST", `/v1/api_keys/${first.id}/revoke`, {
      key: bed.ks.adminKey,
      body: { reason: "replaced" },
    });
    expect(revoked.status).toBe(200);

    await bed.kube.createApiKey("after", spec);
    const ready = await bed.kube.waitReady("after", () => true, 60_000);
    expect(ready.status?.keyId).toMatch(/^key_/);
    expect(
      await metricValue(ctl.url, "ayra_keys_controller_credential_rotations_total", 'result="adopted"'),
    ).toBe(1);
    // Nothing was rotated: the controller only reads this Secret.
    expect(
      await metricValue(ctl.url, "ayra_keys_controller_credential_rotations_total", 'result="rotated"'),
    ).toBe(0);
    const log = ctl.lines.join("\n");
    expect(log.includes(first.secret) || log.includes(second.secret)).toBe(false);
  });
});
