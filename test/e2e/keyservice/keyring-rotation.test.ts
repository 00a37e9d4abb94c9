// Rotating the service's own HMAC key across three running nodes on one PostgreSQL, as the README tells an
// operator to: `ayra-keys keyring rotate`, copy the file to every node, SIGHUP each one. A client load runs
// throughout against random nodes — minting keys on one and using them on another — and sees no failure.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFile, mkdtemp, readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { generateKey } from "../../../core/domain/index.ts";
import {
  CLI_MAIN,
  newDatabase,
  type ServeProcess,
  serveRefusal,
  startServe,
} from "../../harness/serve-process.ts";
import { waitFor } from "../../harness/wait.ts";

const run = promisify(execFile);
const nodes: ServeProcess[] = [];
afterAll(async () => {
  for (const n of nodes.splice(0)) await n.proc.stop();
});

async function installKeyring(from: string, dataDir: string): Promise<void> {
  // What a secret store or a config volume does: the new file appears whole.
  await copyFile(from, join(dataDir, "keyring.next"));
  await rename(join(dataDir, "keyring.next"), join(dataDir, "keyring.json"));
}

describe("keyring rotation across nodes", () => {
  it("rotates on three running nodes with a client load that sees no failed request", async () => {
    const admin = generateKey("live");
    const dirs = await Promise.all([0, 1, 2].map(() => mkdtemp(join(tmpdir(), "ayra-keys-node-"))));
    const [dirA, dirB, dirC] = dirs as [string, string, string];
    const database = await newDatabase("postgres", dirA);
    const env = { AYRA_KEYS_ADMIN_KEY: admin };
    const args = (dir: string) => ["--data-dir", dir, "--database", database, "--rate-limit", "1000000"];
    nodes.push(await startServe(args(dirA), { env }));
    for (const dir of [dirB, dirC]) await installKeyring(join(dirA, "keyring.json"), dir);
    nodes.push(await startServe(args(dirB), { env }), await startServe(args(dirC), { env }));

    let stop = false;
    const failures: string[] = [];
    let requests = 0;
    const pick = () => nodes[Math.floor(Math.random() * nodes.length)] as ServeProcess;
    const client = async () => {
      while (!stop) {
        const create = {
          key: admin,
          body: { name: "Rotation load key", environment: "live", scopes: ["api_keys:read"] },
          headers: { "idempotency-key": `rotation-${randomUUID()}` },
        };
        const minted = await pick().call("POST", "/v1/api_keys", create);
        requests++;
        if (minted.status !== 201) {
          failures.push(`create ${minted.status}`);
          continue;
        }
        // The new key at once on another node: it may not have taken the new keyring yet.
        const own = await pick().call("GET", `/v1/api_keys/${minted.body.id}`, { key: minted.body.secret });
        const seen = await pick().call("POST", "/v1/api_keys/introspect", {
          key: admin,
          body: { key: minted.body.secret },
        });
        // A client retrying on another node gets the first answer, sealed under the AES key of the minting node.
        const replay = await pick().call("POST", "/v1/api_keys", create);
        requests += 3;
        if (replay.status !== 201 || replay.body.secret !== minted.body.secret)
          failures.push(`replay ${replay.status}`);
        if (own.status !== 200) failures.push(`get with the new key ${own.status}`);
        if (seen.status !== 200 || seen.body.active !== true) failures.push(`introspect ${seen.status}`);
      }
    };
    const load = Array.from({ length: 4 }, client);
    await waitFor("the load to run", () => requests > 50, { timeoutMs: 30_000, intervalMs: 20 });

    const rotated = await run(process.execPath, [
      CLI_MAIN,
      "keyring",
      "rotate",
      "--keyring-file",
      join(dirA, "keyring.json"),
      "--output",
      "json",
    ]);
    const { hmacId } = JSON.parse(rotated.stdout) as { hmacId: string };
    // Every node gets the file first; then the nodes are signalled one by one. Node A mints under the new
    // key while B and C have not been signalled: they must still verify those keys.
    for (const dir of [dirB, dirC]) await installKeyring(join(dirA, "keyring.json"), dir);
    const reloads = (n: ServeProcess) => n.proc.stderr().split('"keyring reloaded"').length - 1;
    for (const [i, n] of nodes.entries()) {
      const before = requests;
      n.proc.child.kill("SIGHUP");
      await waitFor(`node ${i} to reload its keyring`, () => reloads(n) === 1, { timeoutMs: 10_000 });
      await waitFor("more load", () => requests > before + 30, { timeoutMs: 30_000, intervalMs: 20 });
    }
    stop = true;
    await Promise.all(load);

    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(150);
    const db = new pg.Client({ connectionString: database });
    await db.connect();
    try {
      const newest = await db.query("SELECT hmac_kid FROM api_keys ORDER BY created_at DESC LIMIT 1");
      expect(newest.rows[0]?.hmac_kid).toBe(hmacId);
      const record = await db.query("SELECT value FROM service_meta WHERE name = 'keyring_hmac_keys'");
      expect(Object.keys(JSON.parse(record.rows[0]?.value))).toContain(hmacId);
    } finally {
      await db.end();
    }
    // The admin key, digested under the old HMAC key, still works everywhere.
    for (const n of nodes) expect((await n.call("GET", "/v1/api_keys", { key: admin })).status).toBe(200);
    // A node still holding the old keyring can no longer join.
    const stale = await mkdtemp(join(tmpdir(), "ayra-keys-stale-"));
    const before = JSON.parse(await readFile(join(dirA, "keyring.json"), "utf8"));
    const previous = { ...before, hmac: before.hmac.slice(1), aes: before.aes.slice(1) };
    await writeFile(join(stale, "keyring.json"), JSON.stringify(previous), { mode: 0o600 });
    const refused = await serveRefusal(["--data-dir", stale, "--database", database]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(hmacId);
  });
});
