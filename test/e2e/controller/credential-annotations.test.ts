// The credential Secret's annotations are the controller's record of its own rotation, but anyone who may patch
// the Secret (without reading it) can write them. A planted "previous key" or "orphan" naming another key must
// never make the controller revoke that key with its own, usually admin, credential.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CREDENTIAL_ANNOTATIONS } from "../../../core/planner/credential-record.ts";
import { type ControllerTestBed, controllerTestBed } from "../../harness/controller.ts";
import { createKey } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";
import {
  type CredentialController,
  createCredentialSecret,
  readCredential,
  SECRET,
  startCredentialController,
} from "./credential-controller.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ctl: CredentialController | undefined;

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-cred-planted");
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

describe("annotations planted on the credential Secret", () => {
  it("never make the controller revoke a key that is not its own former key", async () => {
    const credential = await createKey(bed.ks, {
      name: "ayra-keys controller",
      environment: "live",
      scopes: ["admin:full"],
    });
    const victim = await createKey(bed.ks, {
      name: "Payments web",
      environment: "live",
      scopes: ["agents:read"],
    });
    await createCredentialSecret(bed.kube, credential.secret);
    const path = `/api/v1/namespaces/${bed.ns.name}/secrets/${SECRET}`;
    const now = Date.now();
    await bed.kube.rest.mergePatch(path, {
      metadata: {
        annotations: {
          // Rotated a minute ago (no rotation due for an hour), and a "previous key" due for revocation.
          [CREDENTIAL_ANNOTATIONS.keyId]: credential.id,
          [CREDENTIAL_ANNOTATIONS.rotatedAt]: new Date(now - 60_000).toISOString(),
          [CREDENTIAL_ANNOTATIONS.previous]: JSON.stringify({
            id: victim.id,
            revokeAfter: new Date(now - 1000).toISOString(),
          }),
        },
      },
    });
    ctl = await startCredentialController({
      info,
      namespace: bed.ns.name,
      keysUrl: bed.ks.url,
      args: ["--credential-rotation", "1h", "--credential-grace", "10m"],
    });
    bed.kube.context = () => ctl?.lines.slice(-20).join("\n") ?? "";

    // The controller handles the planted record (it clears it) …
    await waitFor("the planted previous key to be cleared", async () => {
      const { annotations } = await readCredential(bed.kube);
      return annotations[CREDENTIAL_ANNOTATIONS.previous] === undefined;
    });
    // … and leaves the key it names alone; its own key is unchanged too.
    const after = await bed.ks.call("GET", `/v1/api_keys/${victim.id}`, { key: bed.ks.adminKey });
    expect(after.body.status).toBe("active");
    const { value, record } = await readCredential(bed.kube);
    expect(value === credential.secret, "the Secret still holds the controller's key").toBe(true);
    expect(record.keyId).toBe(credential.id);
    expect(ctl.lines.some((l) => l.includes("not the controller's former key"))).toBe(true);
  });
});
