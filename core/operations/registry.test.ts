import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { ApiKey } from "../client/types.ts";
import { escapeForDisplay } from "./display-text.ts";
import {
  buildRegistry,
  type ClusterApiKey,
  filterRegistry,
  keyDeadline,
  rowsNeedingUsage,
  withRevokedAttempts,
} from "./registry.ts";
import { neutralizeFormula, registryCsv, registryMarkdown, registryTable } from "./registry-format.ts";

const NOW = Date.parse("2026-06-01T00:00:00.000Z");
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW + days * DAY).toISOString();

function key(id: string, over: Partial<ApiKey> = {}): ApiKey {
  return {
    object: "api_key",
    id: `key_${id.padEnd(24, "0")}`,
    name: id,
    environment: "live",
    scopes: ["agents:read"],
    status: "active",
    redacted: "sk_live_abc123...WXYZ",
    created_at: at(-100),
    updated_at: at(-100),
    expires_at: null,
    expiring_at: null,
    last_used_at: null,
    rolled_from: null,
    replaced_by: null,
    revoked_at: null,
    revocation_reason: null,
    metadata: {},
    ...over,
  };
}

const controllerKey = key("web", {
  rolled_from: `key_${"x".repeat(24)}`,
  created_at: at(-10),
  last_used_at: at(-1),
  expires_at: at(5),
  metadata: {
    managed_by: "ayra-keys-controller",
    k8s_namespace: "shop",
    k8s_name: "web",
    k8s_uid: "uid-1",
    owner: "Jane@Example.com",
  },
});
const pulumiKey = key("pl", {
  environment: "test",
  expires_at: at(40),
  metadata: {
    managed_by: "ayra-keys-pulumi",
    pulumi_stack: "prod",
    pulumi_urn: "urn:pulumi:prod::a::b",
    purpose: "ci",
  },
});
const loose = key("loose", {
  status: "expiring",
  expires_at: at(90),
  expiring_at: at(3),
  last_used_at: at(-40),
});
const revoked = key("gone", { status: "revoked" });
const apiKey: ClusterApiKey = {
  namespace: "shop",
  name: "web",
  uid: "uid-1",
  spec: { secret: { name: "web-key" }, restartTargets: [{ kind: "Deployment", name: "web" }] },
  status: { keyId: controllerKey.id, lastRotatedAt: at(-9), previousKeys: [] },
};

describe("buildRegistry", () => {
  const rows = buildRegistry({ keys: [controllerKey, pulumiKey, loose, revoked], apiKeys: [apiKey] });

  it("joins a controller key with its ApiKey: Secret, restart targets, the ApiKey's last rotation", () => {
    expect(rows[0]).toMatchObject({
      managed_by: "controller",
      kubernetes: { namespace: "shop", name: "web", uid: "uid-1", cluster: null, found: true },
      pulumi: null,
      last_rotated_at: at(-9),
      owner: "Jane@Example.com",
      where_used: {
        secrets: [{ namespace: "shop", name: "web-key", slot: "current" }],
        restart_targets: [{ namespace: "shop", kind: "Deployment", name: "web" }],
      },
    });
  });

  it("reads Pulumi slots and unmanaged keys from metadata; a key never rolled has no rotation", () => {
    expect(rows[1]).toMatchObject({
      managed_by: "pulumi",
      pulumi: { stack: "prod", urn: "urn:pulumi:prod::a::b" },
    });
    expect(rows[1]?.purpose).toBe("ci");
    expect(rows[2]).toMatchObject({ managed_by: "unmanaged", kubernetes: null, last_rotated_at: null });
  });

  it("marks a controller key whose ApiKey is gone, and unknown without a cluster", () => {
    expect(buildRegistry({ keys: [controllerKey], apiKeys: [] })[0]?.kubernetes?.found).toBe(false);
    const unknown = buildRegistry({ keys: [controllerKey] })[0];
    expect(unknown?.kubernetes?.found).toBeNull();
    expect(unknown?.last_rotated_at).toBe(controllerKey.created_at);
  });

  it("shows a rolled key kept in the previous slot", () => {
    const old = key("old", { status: "expiring", expiring_at: at(2) });
    const holder: ClusterApiKey = {
      ...apiKey,
      status: { ...apiKey.status, previousKeys: [{ keyId: old.id, redacted: "", revokeAfter: at(2) }] },
    };
    expect(buildRegistry({ keys: [old], apiKeys: [holder] })[0]?.where_used.secrets).toEqual([
      { namespace: "shop", name: "web-key", slot: "previous" },
    ]);
  });

  it("produces rows the published schema accepts", () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv, ["date-time"]);
    const validate = ajv.compile(
      JSON.parse(readFileSync(new URL("../../schemas/registry.schema.json", import.meta.url), "utf8")),
    );
    const ok = validate({ object: "registry", generated_at: at(0), cluster_joined: true, data: rows });
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(
      validate({
        object: "registry",
        generated_at: at(0),
        cluster_joined: true,
        data: [{ ...rows[0], pulumi: { stack: "a", urn: "b" } }],
      }),
    ).toBe(false);
  });

  it.each([
    { name: "by default: keys that still work", filter: {}, want: ["web", "pl", "loose"] },
    { name: "--all", filter: { all: true }, want: ["web", "pl", "loose", "gone"] },
    {
      name: "--expiring-within 7d (an ending key by its end)",
      filter: { expiringWithinMs: 7 * DAY },
      want: ["web", "loose"],
    },
    {
      name: "--unused-for 30d (never used counts from creation)",
      filter: { unusedForMs: 30 * DAY },
      want: ["pl", "loose"],
    },
    { name: "--unmanaged", filter: { unmanaged: true }, want: ["loose"] },
    { name: "--environment test", filter: { environment: "test" as const }, want: ["pl"] },
    { name: "--owner, case-insensitive", filter: { owner: "jane@example.COM" }, want: ["web"] },
  ])("filters $name", ({ filter, want }) => {
    expect(filterRegistry(rows, { ...filter }, NOW).map((r) => r.name)).toEqual(want);
  });
});

describe("keyDeadline", () => {
  it("is the earlier of the expiry and a scheduled end", () => {
    expect(keyDeadline({ status: "active", expires_at: at(5), expiring_at: null })).toBe(at(5));
    expect(keyDeadline({ status: "expiring", expires_at: at(9), expiring_at: at(3) })).toBe(at(3));
    expect(keyDeadline({ status: "expiring", expires_at: at(2), expiring_at: at(3) })).toBe(at(2));
    expect(keyDeadline({ status: "expiring", expires_at: null, expiring_at: at(3) })).toBe(at(3));
    expect(keyDeadline({ status: "active", expires_at: null, expiring_at: null })).toBeNull();
  });
});

describe("formats", () => {
  const bidi = key("bidi", { name: "pay\u202Etxt.exe\u0007\n|x", metadata: { owner: "o\u2066@x.io" } });
  const rows = buildRegistry({ keys: [bidi, controllerKey] });

  it("escapes control and bidi characters visibly in every human format", () => {
    expect(escapeForDisplay("a\u202Eb\\u202e\u0000")).toBe("a\\u202eb\\\\u202e\\u0000");
    for (const text of [registryTable(rows), registryMarkdown(rows), registryCsv(rows)]) {
      for (const c of ["\u202e", "\u2066", "\u0007"]) expect(text).not.toContain(c);
      expect(text).toContain("pay\\u202etxt.exe\\u0007\\u000a");
    }
    // One line per row: the newline in the name did not split it.
    expect(registryTable(rows).trimEnd().split("\n")).toHaveLength(3);
    expect(registryMarkdown(rows)).toContain("\\u000a\\|x");
  });

  it("CSV parses back to one record per key with the documented columns", () => {
    const records: Record<string, string>[] = parse(registryCsv(rows), { columns: true });
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({
      id: controllerKey.id,
      managed_by: "controller",
      kubernetes: "shop/web",
      expires_at: at(5),
    });
  });
});

describe("revoked keys still presented", () => {
  const rows = buildRegistry({ keys: [controllerKey, revoked, key("old", { status: "expired" })] });

  it("knows a working key has none, and asks usage only for stopped keys", () => {
    expect(rows.map((r) => r.revoked_attempts)).toEqual([0, null, null]);
    expect(rowsNeedingUsage(rows).map((r) => r.name)).toEqual(["gone", "old"]);
  });

  it("fills the attempts read, leaves a key the API did not report unknown, and --revoked-in-use keeps the presented", () => {
    const read = withRevokedAttempts(
      rows,
      new Map([
        [revoked.id, { revoked_attempts: 3, last_revoked_attempt_at: at(-1) }],
        [key("old").id, {}],
      ]),
    );
    expect(read.map((r) => [r.revoked_attempts, r.last_revoked_attempt_at])).toEqual([
      [0, null],
      [3, at(-1)],
      [null, null],
    ]);
    expect(filterRegistry(read, { revokedInUse: true }, NOW).map((r) => r.name)).toEqual(["gone"]);
    expect(registryTable(read)).toContain(`! 3 (last ${at(-1).slice(0, 10)})`);
    const csv: Record<string, string>[] = parse(registryCsv(read), { columns: true });
    expect(csv.map((r) => r.revoked_attempts)).toEqual(["0", "3", ""]);
  });
});

describe("CSV and spreadsheet formulas", () => {
  it.each([
    ['=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")'],
    ["+1", "'+1"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["'quoted", "''quoted"],
    ["Web shop", "Web shop"],
    ["2026-06-01T00:00:00.000Z", "2026-06-01T00:00:00.000Z"],
  ])("writes %j as %j", (cell, written) => {
    expect(neutralizeFormula(cell)).toBe(written);
  });

  it("never lets a user's name, owner or purpose begin a cell with a formula character", () => {
    const evil = key("evil", {
      name: "=cmd|' /C calc'!A0",
      metadata: { owner: "@attacker@example.com", purpose: "\t=1+1" },
    });
    const [record] = parse(registryCsv(buildRegistry({ keys: [evil] })), { columns: true }) as Record<
      string,
      string
    >[];
    expect(record).toMatchObject({
      name: "'=cmd|' /C calc'!A0",
      owner: "'@attacker@example.com",
      // A tab is written as a visible escape, so it cannot lead the cell either.
      purpose: "\\u0009=1+1",
    });
    for (const value of Object.values(record ?? {})) expect(value).not.toMatch(/^[=+\-@\t\r]/);
  });
});
