// Offboarding over one person's keys of every kind, with a real keys service, API server and controller:
// the plan, the refusal to act without confirmation, then execution — and nothing of anyone else touched.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  type KubeHelper,
  startControllerProcess,
} from "../../harness/controller.ts";
import { createKey, type TestKeyService } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";
import { runCli } from "./run-cli.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ks: TestKeyService;
let ctl: ControllerProcess;
let kube: KubeHelper;
let env: Record<string, string>;

beforeAll(async () => {
  bed = await controllerTestBed(info, "ops-off");
  ({ ks, kube } = bed);
  ctl = await startControllerProcess({ info, namespace: bed.ns.name, keysUrl: ks.url, apiKey: ks.adminKey });
  kube.context = () => ctl.lines.slice(-30).join("\n");
  env = { AYRA_API_URL: ks.url, AYRA_API_KEY: ks.adminKey, KUBECONFIG: info.kubeconfigPath };
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

const state = async () =>
  JSON.stringify(
    (await ks.call("GET", "/v1/api_keys?limit=100", { key: ks.adminKey })).body.data.map(
      ({ last_used_at: _, ...key }) => key,
    ),
  );
const record = async (id: string) => (await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body;

describe("offboard --owner", () => {
  it("plans, asks, then revokes, rotates and refuses alice's keys only", async () => {
    const spec = (displayName: string, owner: string) => ({
      displayName,
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "1h",
      owner,
    });
    await kube.createApiKey("alice-web", spec("Alice Web", "alice@example.com"));
    await kube.createApiKey("bob-web", spec("Bob Web", "bob@example.com"));
    const aliceWeb = (await kube.waitReady("alice-web")).status?.keyId ?? "";
    const bobWeb = (await kube.waitReady("bob-web")).status?.keyId ?? "";
    const unused = await createKey(ks, {
      name: "Alice Script",
      environment: "live",
      scopes: ["agents:read"],
      metadata: { owner: "Alice@Example.com" },
    });
    const inUse = await createKey(ks, {
      name: "Alice Zap",
      environment: "live",
      scopes: ["api_keys:read"],
      metadata: { owner: "alice@example.com" },
    });
    await ks.call("GET", "/v1/api_keys?limit=1", { key: inUse.secret });
    await waitFor("the use to be recorded", async () => (await record(inUse.id)).last_used_at !== null);
    const urn = "urn:pulumi:prod::shop::ayra:index:ApiKey::alice";
    const pulumi = await createKey(ks, {
      name: "Alice Pulumi",
      environment: "live",
      scopes: ["agents:read"],
      metadata: {
        owner: "alice@example.com",
        managed_by: "ayra-keys-pulumi",
        pulumi_urn: urn,
        pulumi_stack: "urn:pulumi:prod::shop",
      },
    });
    const bob = await createKey(ks, {
      name: "Bob Script",
      environment: "live",
      scopes: ["agents:read"],
      metadata: { owner: "bob@example.com" },
    });
    const before = await state();

    const dry = await runCli(
      ["offboard", "--owner", "alice@example.com", "--dry-run", "--output", "json"],
      env,
    );
    expect(dry.code, dry.stderr).toBe(3); // a Pulumi key in the plan is refused
    const plan = JSON.parse(dry.stdout).plan as { action: string; keys: { id: string }[] }[];
    const actionOf = (id: string) => plan.find((i) => i.keys.some((k) => k.id === id))?.action;
    expect(actionOf(unused.id)).toBe("revoke");
    expect(actionOf(inUse.id)).toBe("review");
    expect(actionOf(aliceWeb)).toBe("rotate");
    expect(actionOf(pulumi.id)).toBe("refuse");
    for (const id of [bobWeb, bob.id]) expect(actionOf(id)).toBeUndefined();
    expect(plan).toHaveLength(4);
    expect(await state()).toBe(before);

    // No terminal and no --yes: nothing happens.
    const unconfirmed = await runCli(["offboard", "--owner", "alice@example.com"], env);
    expect(unconfirmed.code).toBe(5);
    expect(unconfirmed.stderr).toMatch(
      /not confirmed: 2 change\(s\) planned and no terminal to ask on; .* pass --yes/,
    );
    expect(await state()).toBe(before);

    const bad = await runCli(["offboard", "--owner", "alice"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--owner "alice" is not an email address/);

    const res = await runCli(["offboard", "--owner", "alice@example.com", "--yes"], env);
    expect(res.code, res.stderr).toBe(3);
    expect(res.stdout).toMatch(
      /Done: 1 revoked, 1 rotated \(the controller finishes them\), 1 refused, 1 left for review, 0 failed\./,
    );
    expect(res.stdout).toContain(`pulumi up --stack 'prod' --target '${urn}'`);
    expect(res.stderr).toMatch(/\[1\/2\]/);

    expect(await record(unused.id)).toMatchObject({
      status: "revoked",
      revocation_reason: "employee_departure",
    });
    expect((await record(inUse.id)).status).toBe("active");
    expect((await record(pulumi.id)).status).toBe("active");
    const rotated = await kube.waitReady("alice-web", (o) => o.status?.keyId !== aliceWeb);
    expect((await kube.secret("alice-web")).metadata.annotations?.["keys.ayra.ai/key-id"]).toBe(
      rotated.status?.keyId,
    );
    // Bob's keys, managed or not, are exactly as they were.
    expect(await record(bob.id)).toMatchObject({ status: "active", updated_at: bob.body.updated_at });
    expect((await kube.apiKey("bob-web")).status?.keyId).toBe(bobWeb);
    expect((await kube.apiKey("bob-web")).metadata.annotations?.["keys.ayra.ai/rotate"]).toBeUndefined();
    expect((await record(bobWeb)).status).toBe("active");
  });
});
