// rotate, revoke and incident on unmanaged and Pulumi-managed keys, against the real keys service on both
// stores: the keys API does the work for an unmanaged key, a Pulumi key is refused with the command to run,
// --dry-run changes nothing, bad input exits 2 and changes nothing, and request ids come back to quote.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, STORES, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { expectNoSecret } from "../../harness/no-secret.ts";
import { makeTempDir, removeTempDir } from "../../harness/temp-dirs.ts";
import { waitFor } from "../../harness/wait.ts";
import { runCli } from "./run-cli.ts";

const URN = "urn:pulumi:prod::shop::ayra:index:ApiKey::web";

describe.each(STORES)("runbook commands on %s", (store) => {
  let ks: TestKeyService;
  let dir: string;
  let env: Record<string, string>;
  // Every key's state; last_used_at moves with each call the CLI itself makes with the admin key.
  const all = async () =>
    JSON.stringify(
      (await ks.call("GET", "/v1/api_keys?limit=100", { key: ks.adminKey })).body.data.map(
        ({ last_used_at: _, ...key }) => key,
      ),
    );
  const record = async (id: string) =>
    (await ks.call("GET", `/v1/api_keys/${id}`, { key: ks.adminKey })).body;

  beforeAll(async () => {
    ks = await startTestKeyService(store);
    dir = await makeTempDir("ayra-keys-ops-");
    env = { AYRA_API_URL: ks.url, AYRA_API_KEY: ks.adminKey, KUBECONFIG: join(dir, "none") };
  });
  afterAll(async () => {
    await ks?.close();
    await removeTempDir(dir);
  });

  it("rotates an unmanaged key by name through the keys API, 7 days of grace by default, value only in the file", async () => {
    const old = await createKey(ks, {
      name: "Zapier Integration",
      environment: "live",
      scopes: ["agents:read"],
    });
    const before = await all();
    const dry = await runCli(["rotate", "Zapier Integration", "--dry-run", "--output", "json"], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).plan[0]).toMatchObject({
      kind: "roll",
      keyId: old.id,
      graceSeconds: 604_800,
    });
    expect(await all()).toBe(before);

    const noTarget = await runCli(["rotate", "Zapier Integration"], env);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/--secret-file FILE/);
    expect(await all()).toBe(before);

    const file = join(dir, "new-key.txt");
    const res = await runCli(
      ["rotate", "Zapier Integration", "--secret-file", file, "--output", "json"],
      env,
    );
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    const newId = out.done[0].new_key_id as string;
    expect(newId).toMatch(/^key_/);
    expect(
      out.request_ids.some(
        (r: { operation: string; request_id: string | null }) => r.operation === "rollApiKey" && r.request_id,
      ),
    ).toBe(true);
    const value = (await readFile(file, "utf8")).trim();
    const seen = await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: value } });
    expect(seen.body).toMatchObject({ active: true, id: newId });
    const was = await record(old.id);
    expect(was.status).toBe("expiring");
    const graceMs = Date.parse(was.expiring_at ?? "") - Date.now();
    expect(graceMs).toBeGreaterThan(6.9 * 86_400_000);
    expect(graceMs).toBeLessThanOrEqual(7 * 86_400_000);
    expectNoSecret(res.stdout + res.stderr, value);
    expectNoSecret(res.stdout + res.stderr, old.secret);
    await rm(file);
  });

  it("revokes an unmanaged key by id with the reason given; bad reasons, durations and names exit 2 and change nothing", async () => {
    const k = await createKey(ks, { name: "Old Report Job", environment: "test", scopes: ["agents:read"] });
    await createKey(ks, { name: "Twin", environment: "test", scopes: ["agents:read"] });
    const twin = await createKey(ks, { name: "Twin", environment: "live", scopes: ["agents:read"] });
    const before = await all();
    const bad = [
      {
        args: ["revoke", k.id, "--reason", "bored"],
        says: /--reason "bored" is not a revocation reason: use one of compromised, replaced, unused, employee_departure, project_ended/,
      },
      { args: ["rotate", k.id, "--grace", "3 days", "--print-secret"], says: /--grace/ },
      { args: ["rotate", k.id, "--grace", "2mo", "--print-secret"], says: /--grace/ },
      {
        args: ["revoke", "No Such Key", "--reason", "unused"],
        says: /no working key has the name "No Such Key"/,
      },
      {
        args: ["revoke", "key_000000000000000000000000", "--reason", "unused"],
        says: /no working key has the id/,
      },
      {
        args: ["revoke", "Twin", "--reason", "unused"],
        says: new RegExp(`2 working keys are named "Twin"; give one of their ids:[\\s\\S]*${twin.id}`),
      },
    ];
    for (const { args, says } of bad) {
      const r = await runCli(args, env);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(says);
    }
    expect(await all()).toBe(before);

    const dry = await runCli(["revoke", k.id, "--reason", "unused", "--dry-run"], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Dry run: nothing changed/);
    expect(await all()).toBe(before);

    const res = await runCli(["revoke", k.id, "--reason", "unused"], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Revoked key_\w+ \(reason unused\)/);
    expect(res.stdout).toMatch(/Request ids \(quote them to support\): \S+/);
    expect(await record(k.id)).toMatchObject({ status: "revoked", revocation_reason: "unused" });
  });

  it("refuses to rotate or revoke a Pulumi-managed key and prints the pulumi command for its stack", async () => {
    const k = await createKey(ks, {
      name: "Shop Web",
      environment: "live",
      scopes: ["agents:read"],
      metadata: { managed_by: "ayra-keys-pulumi", pulumi_urn: URN, pulumi_stack: "urn:pulumi:prod::shop" },
    });
    const before = await all();
    const rotate = await runCli(["rotate", k.id, "--print-secret"], env);
    expect(rotate.code).toBe(3);
    expect(rotate.stdout).toContain(`pulumi up --stack 'prod' --target '${URN}'`);
    const revoke = await runCli(["revoke", "Shop Web", "--reason", "unused", "--output", "json"], env);
    expect(revoke.code).toBe(3);
    const out = JSON.parse(revoke.stdout);
    expect(out.managed_by).toEqual({ kind: "pulumi", stack: "prod", project: "shop", urn: URN });
    expect(out.refused.commands).toContain(`pulumi destroy --stack 'prod' --target '${URN}'`);
    expect(await all()).toBe(before);
  });

  it("incident: revokes at once (compromised) and exports usage and audit events with request ids, never the value", async () => {
    const k = await createKey(ks, {
      name: "Leaked Dashboard",
      environment: "live",
      scopes: ["api_keys:read"],
    });
    for (let i = 0; i < 3; i++) await ks.call("GET", "/v1/api_keys?limit=1", { key: k.secret });
    await waitFor("usage to be flushed", async () => {
      const u = (await ks.call("GET", `/v1/api_keys/${k.id}/usage`, { key: ks.adminKey })).body;
      return u.hourly.reduce((n, h) => n + h.count, 0) === 3;
    });
    const file = join(dir, "incident.json");
    const res = await runCli(["incident", "Leaked Dashboard", "--export", file], env);
    expect(res.code, res.stderr).toBe(0);
    expect(await record(k.id)).toMatchObject({ status: "revoked", revocation_reason: "compromised" });
    const text = await readFile(file, "utf8");
    expectNoSecret(text, k.secret);
    expect(text).not.toContain(k.secret.slice(8, 40));
    const report = JSON.parse(text);
    expect(report.key).toMatchObject({ id: k.id, status: "revoked" });
    expect(report.usage.hourly.reduce((n: number, h: { count: number }) => n + h.count, 0)).toBe(3);
    const actions = report.audit_events.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["api_key.created", "api_key.revoked"]));
    const revoked = report.audit_events.find((e: { action: string }) => e.action === "api_key.revoked");
    expect(revoked.request_id).toMatch(/\S/);
    expect(report.request_ids.audit).toContain(revoked.request_id);
    expect(report.request_ids.this_command.length).toBeGreaterThan(0);
    expectNoSecret(res.stdout + res.stderr, k.secret);
  });

  it("incident on a Pulumi key revokes it now and prints the refresh and up that mint its replacement", async () => {
    const urn = `${URN}-2`;
    const k = await createKey(ks, {
      name: "Shop Worker",
      environment: "live",
      scopes: ["agents:read"],
      metadata: { managed_by: "ayra-keys-pulumi", pulumi_urn: urn, pulumi_stack: "urn:pulumi:prod::shop" },
    });
    const res = await runCli(["incident", k.id, "--export", join(dir, "incident-2.json")], env);
    expect(res.code, res.stderr).toBe(0);
    expect(await record(k.id)).toMatchObject({ status: "revoked", revocation_reason: "compromised" });
    expect(res.stdout).toContain(`pulumi refresh --yes --stack 'prod' --target '${urn}'`);
    expect(res.stdout).toContain(`pulumi up --stack 'prod' --target '${urn}'`);
  });
  it("offboard revokes the owner's unused unmanaged keys only, refuses their Pulumi key, and leaves a key in use", async () => {
    const owner = `carol-${store}@example.com`;
    const unused = await createKey(ks, {
      name: "Carol Export",
      environment: "test",
      scopes: ["agents:read"],
      metadata: { owner },
    });
    const inUse = await createKey(ks, {
      name: "Carol Sync",
      environment: "test",
      scopes: ["api_keys:read"],
      metadata: { owner },
    });
    await ks.call("GET", "/v1/api_keys?limit=1", { key: inUse.secret });
    await waitFor("the use to be recorded", async () => (await record(inUse.id)).last_used_at !== null);
    const urn = `${URN}-carol`;
    const pulumi = await createKey(ks, {
      name: "Carol Pulumi",
      environment: "test",
      scopes: ["agents:read"],
      metadata: {
        owner,
        managed_by: "ayra-keys-pulumi",
        pulumi_urn: urn,
        pulumi_stack: "urn:pulumi:prod::shop",
      },
    });
    const other = await createKey(ks, {
      name: "Dave Export",
      environment: "test",
      scopes: ["agents:read"],
      metadata: { owner: `dave-${store}@example.com` },
    });
    const res = await runCli(["offboard", "--owner", owner.toUpperCase(), "--yes", "--output", "json"], env);
    expect(res.code, res.stderr).toBe(3);
    const out = JSON.parse(res.stdout);
    expect(out.summary).toEqual({ revoked: 1, rotated: 0, refused: 1, review: 1, failed: 0 });
    expect(
      out.request_ids.some(
        (r: { operation: string; request_id: string | null }) =>
          r.operation === "revokeApiKey" && r.request_id,
      ),
    ).toBe(true);
    expect(await record(unused.id)).toMatchObject({
      status: "revoked",
      revocation_reason: "employee_departure",
    });
    expect((await record(inUse.id)).status).toBe("active");
    expect((await record(pulumi.id)).status).toBe("active");
    expect(await record(other.id)).toMatchObject({ status: "active", updated_at: other.body.updated_at });
  });
});
