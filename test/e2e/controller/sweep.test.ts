// Revocation on delete without a finalizer: ApiKeys deleted while no controller runs are found by the sweep
// that follows the next controller's first list. Keys whose ApiKey said Retain, and keys of ApiKeys that
// still exist, stay active.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SWEEP_MARGIN_MS } from "../../../core/planner/retire.ts";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  startControllerProcess,
} from "../../harness/controller.ts";
import { waitFor } from "../../harness/wait.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ctl: ControllerProcess | undefined;

const spec = (displayName: string, deletionPolicy: "Revoke" | "Retain") => ({
  displayName,
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "1h",
  deletionPolicy,
});

async function controller(): Promise<void> {
  ctl = await startControllerProcess({
    info,
    namespace: bed.ns.name,
    keysUrl: bed.ks.url,
    apiKey: bed.ks.adminKey,
  });
  bed.kube.context = () => ctl?.lines.slice(-30).join("\n") ?? "";
}

async function statusOf(keyId: string | undefined): Promise<string> {
  return (await bed.ks.call("GET", `/v1/api_keys/${keyId}`, { key: bed.ks.adminKey })).body.status;
}

beforeAll(async () => {
  bed = await controllerTestBed(info, "ctl-sweep");
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

describe("the sweep", () => {
  it("revokes the keys of ApiKeys deleted while the controller was down, except Retain, and nothing else", async () => {
    await controller();
    await bed.kube.createApiKey("gone", spec("Gone Reader", "Revoke"));
    await bed.kube.createApiKey("kept", spec("Kept Reader", "Retain"));
    await bed.kube.createApiKey("stays", spec("Staying Reader", "Revoke"));
    const [gone, kept, stays] = await Promise.all(
      ["gone", "kept", "stays"].map((n) => bed.kube.waitReady(n)),
    );
    await ctl?.stop();
    ctl = undefined;
    await bed.kube.deleteApiKey("gone");
    await bed.kube.deleteApiKey("kept");
    await waitFor("both ApiKeys to be gone at once (no finalizer)", async () => {
      const left = await Promise.all(
        ["gone", "kept"].map((n) =>
          bed.kube.apiKey(n).then(
            () => n,
            () => undefined,
          ),
        ),
      );
      return left.every((n) => n === undefined);
    });
    expect(await statusOf(gone?.status?.keyId)).toBe("active");
    // The sweep leaves keys minted just before a list began (they may belong to an ApiKey it did not show).
    const created = Date.parse(
      (await bed.ks.call("GET", `/v1/api_keys/${gone?.status?.keyId}`, { key: bed.ks.adminKey })).body
        .created_at,
    );
    await waitFor(
      "the key to be older than the sweep's margin",
      async () => Date.now() > created + SWEEP_MARGIN_MS,
      {
        timeoutMs: SWEEP_MARGIN_MS + 5_000,
      },
    );
    await controller();
    await waitFor(
      "the deleted ApiKey's key to be revoked",
      async () => (await statusOf(gone?.status?.keyId)) === "revoked",
    );
    const record = await bed.ks.call("GET", `/v1/api_keys/${gone?.status?.keyId}`, { key: bed.ks.adminKey });
    expect(record.body.revocation_reason).toBe("project_ended");
    expect(await statusOf(kept?.status?.keyId)).toBe("active");
    expect(await statusOf(stays?.status?.keyId)).toBe("active");
  });
});
