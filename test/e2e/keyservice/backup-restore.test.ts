// `ayra-keys backup` while the service writes gives a consistent snapshot; `backup restore` refuses a
// snapshot without its keyring, and revokes again every key the audit export shows revoked after it.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { generateKey } from "../../../core/domain/index.ts";
import { generateKeyringFile } from "../../../keyservice/keyring.ts";
import type { ApiBody, ApiCaller } from "../../harness/keys-service.ts";
import { CLI_MAIN, type ServeProcess, startServe } from "../../harness/serve-process.ts";

const run = promisify(execFile);
const cli = (args: string[]) => run(process.execPath, [CLI_MAIN, ...args]);
const running: ServeProcess[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.proc.stop();
});

async function auditExport(call: ApiCaller, admin: string): Promise<ApiBody[]> {
  const pages: ApiBody[] = [];
  for (let cursor: string | null = null; ; ) {
    const page = await call("GET", `/v1/audit_events?limit=100${cursor ? `&starting_after=${cursor}` : ""}`, {
      key: admin,
    });
    pages.push(page.body);
    if (!page.body.has_more) return pages;
    cursor = page.body.next_cursor;
  }
}

const sha = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

describe("backup and restore of a SQLite store", () => {
  it("snapshots under load, refuses a foreign keyring, and revokes again after the restore", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-backup-"));
    const admin = generateKey("live");
    const args = ["--data-dir", dataDir, "--rate-limit", "1000000"];
    const env = { AYRA_KEYS_ADMIN_KEY: admin };
    let node = await startServe(args, { env });
    running.push(node);
    const create = (name: string) =>
      node.call("POST", "/v1/api_keys", {
        key: admin,
        body: { name, environment: "live", scopes: ["agents:read"] },
      });
    const [k1, k2, k3] = (await Promise.all(["One", "Two", "Three"].map((n) => create(`Restore ${n}`)))).map(
      (r) => r.body,
    ) as [ApiBody, ApiBody, ApiBody];

    // Given a write load running, when the backup is taken in the middle of it…
    let stop = false;
    const acknowledgedBefore: string[] = [];
    let backupStarted = false;
    const load = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await create("Load during backup");
        expect(r.status).toBe(201);
        if (!backupStarted) acknowledgedBefore.push(r.body.id);
      }
    });
    while (acknowledgedBefore.length < 40) await new Promise((r) => setImmediate(r));
    const snapshot = join(dataDir, "snapshot.db");
    backupStarted = true;
    const frozen = [...acknowledgedBefore];
    await cli(["backup", "--data-dir", dataDir, "--to", snapshot]);
    stop = true;
    await Promise.all(load);

    // …then the snapshot is whole: every write acknowledged before is in it, each with its audit event.
    const copy = new DatabaseSync(snapshot, { readOnly: true });
    try {
      expect(copy.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      const ids = new Set(
        copy
          .prepare("SELECT id FROM api_keys")
          .all()
          .map((r) => String(r.id)),
      );
      for (const id of [...frozen, k1.id, k2.id, k3.id]) expect(ids.has(id)).toBe(true);
      const created = new Set(
        copy
          .prepare(
            "SELECT target_key_id FROM audit_events WHERE action IN ('api_key.created', 'api_key.bootstrap')",
          )
          .all()
          .map((r) => String(r.target_key_id)),
      );
      expect(created).toEqual(ids);
      expect(copy.prepare("SELECT count(*) AS n FROM idempotency WHERE status_code = 0").get()).toEqual({
        n: 0,
      });
    } finally {
      copy.close();
    }
    const info = JSON.parse(await readFile(`${snapshot}.keyring-fingerprint.json`, "utf8"));
    expect(Object.keys(info.keyring_fingerprint)).toHaveLength(1);

    // After the snapshot: a compromised key is revoked, one rolled, one scheduled for revocation, one minted.
    await node.call("POST", `/v1/api_keys/${k1.id}/revoke`, { key: admin, body: { reason: "compromised" } });
    const rolled = await node.call("POST", `/v1/api_keys/${k2.id}/roll`, {
      key: admin,
      body: { grace_period_seconds: 600 },
    });
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await node.call("POST", `/v1/api_keys/${k3.id}/revoke`, {
      key: admin,
      body: { reason: "unused", effective_at: later },
    });
    const minted = (await create("Minted after the snapshot")).body;
    const exportFile = join(dataDir, "audit-export.json");
    await writeFile(exportFile, JSON.stringify(await auditExport(node.call, admin)));
    await node.proc.stop();

    // A restore with another keyring, or without the fingerprint file, is refused and changes nothing.
    const database = join(dataDir, "keys.db");
    const before = await sha(database);
    const foreign = join(dataDir, "foreign-keyring.json");
    generateKeyringFile(foreign);
    const restore = ["backup", "restore", "--data-dir", dataDir, "--audit-export", exportFile, "--replace"];
    const refused = await cli([...restore, "--snapshot", snapshot, "--keyring-file", foreign]).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect("code" in refused && refused.code).toBe(1);
    expect(refused.stderr).toContain(foreign);
    expect(refused.stderr).toContain(Object.keys(info.keyring_fingerprint)[0]);
    const fingerprint = await readFile(`${snapshot}.keyring-fingerprint.json`);
    await rm(`${snapshot}.keyring-fingerprint.json`);
    const noInfo = await cli([...restore, "--snapshot", snapshot]).catch((err: { code: number }) => err);
    expect("code" in noInfo && noInfo.code).toBe(1);
    expect(await sha(database)).toBe(before);
    await writeFile(`${snapshot}.keyring-fingerprint.json`, fingerprint);

    // The restore with the right keyring revokes again, sets deadlines again, and names the lost key.
    const restored = JSON.parse((await cli([...restore, "--snapshot", snapshot, "--output", "json"])).stdout);
    expect(restored.revoked).toEqual([k1.id]);
    expect(restored.rescheduled.sort()).toEqual([k2.id, k3.id].sort());
    expect(restored.lost).toContain(minted.id);
    expect(restored.lost).toContain(rolled.body.id);

    node = await startServe(args, { env });
    running.push(node);
    const get = async (id: string) => (await node.call("GET", `/v1/api_keys/${id}`, { key: admin })).body;
    expect(await get(k1.id)).toMatchObject({ status: "revoked", revocation_reason: "compromised" });
    expect(await get(k2.id)).toMatchObject({ status: "expiring" });
    expect(await get(k3.id)).toMatchObject({ status: "expiring", expiring_at: later });
    const seen = await node.call("POST", "/v1/api_keys/introspect", { key: admin, body: { key: k1.secret } });
    expect(seen.body).toEqual({ active: false });
  });
});
