// The keyring cannot silently change: a node whose keyring is missing, misnamed or another store's refuses
// to start, names the file and the fix, and writes nothing — no new keyring, no change in the database.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { STORES } from "../../harness/keys-service.ts";
import {
  dumpStore,
  newDatabase,
  type ServeProcess,
  serveRefusal,
  startServe,
} from "../../harness/serve-process.ts";

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.proc.stop();
});

/** The data folder's files, less SQLite's transient -wal/-shm (the dump compares the data itself). */
const files = async (dir: string) => (await readdir(dir)).filter((f) => !/-(wal|shm)$/.test(f)).sort();

/** A store with keys in it, written by one node that then stopped; the node's data folder and admin key. */
async function usedStore(store: (typeof STORES)[number]) {
  const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-guard-"));
  const database = await newDatabase(store, dataDir);
  const adminFile = join(dataDir, "admin-key");
  const node = await startServe([
    "--data-dir",
    dataDir,
    "--database",
    database,
    "--admin-key-file",
    adminFile,
  ]);
  const admin = (await readFile(adminFile, "utf8")).trim();
  const created = await node.call("POST", "/v1/api_keys", {
    key: admin,
    body: { name: "Stored before the keyring went", environment: "live", scopes: ["agents:read"] },
  });
  expect(created.status).toBe(201);
  await node.proc.stop();
  return { dataDir, database, admin, keyringFile: join(dataDir, "keyring.json") };
}

/** A keyring of another store: what a node gets when it is given the wrong file. */
async function foreignKeyring(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-other-"));
  const other = await startServe(["--data-dir", dataDir, "--admin-key-file", join(dataDir, "admin-key")]);
  await other.proc.stop();
  return join(dataDir, "keyring.json");
}

describe.each(STORES)("keyring guard on %s", (store) => {
  it.each([
    { name: "the keyring file was removed", arrange: async (f: string) => rm(f), flag: (f: string) => f },
    {
      name: "the keyring file was renamed (the node looks at the old path)",
      arrange: async (f: string) => rename(f, `${f}.moved`),
      flag: (f: string) => f,
    },
    {
      name: "the node is given a mistyped path",
      arrange: async () => undefined,
      flag: (f: string) => `${f}.typo`,
    },
  ])("refuses to start when $name, and writes nothing", async ({ arrange, flag }) => {
    const used = await usedStore(store);
    await arrange(used.keyringFile);
    const path = flag(used.keyringFile);
    const before = await dumpStore(used.database);
    const filesBefore = await files(used.dataDir);

    const refused = await serveRefusal([
      "--data-dir",
      used.dataDir,
      "--database",
      used.database,
      "--keyring-file",
      path,
    ]);

    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(path);
    expect(refused.stderr).toContain("does not exist");
    expect(refused.stderr).toContain("Fix:");
    expect(existsSync(path)).toBe(false);
    expect(await files(used.dataDir)).toEqual(filesBefore);
    expect(await dumpStore(used.database)).toEqual(before);
  });

  it("refuses another store's keyring, and the right keyring still serves every stored key", async () => {
    const used = await usedStore(store);
    const foreign = await foreignKeyring();
    const foreignText = await readFile(foreign, "utf8");
    const before = await dumpStore(used.database);

    const refused = await serveRefusal([
      "--data-dir",
      used.dataDir,
      "--database",
      used.database,
      "--keyring-file",
      foreign,
    ]);

    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(foreign);
    expect(refused.stderr).toContain("is not the one this store uses");
    expect(await readFile(foreign, "utf8")).toBe(foreignText);
    expect(await dumpStore(used.database)).toEqual(before);
    const node = await startServe(["--data-dir", used.dataDir, "--database", used.database]);
    running.push(node);
    expect((await node.call("GET", "/v1/api_keys", { key: used.admin })).status).toBe(200);
  });
});

describe("nodes sharing one PostgreSQL database", () => {
  it("refuse a node with another keyring while the first one serves", async () => {
    const used = await usedStore("postgres");
    const first = await startServe(["--data-dir", used.dataDir, "--database", used.database]);
    running.push(first);
    const secondDir = await mkdtemp(join(tmpdir(), "ayra-keys-second-"));
    const before = await dumpStore(used.database);

    // A second node with an empty data folder would once have generated a keyring of its own.
    const refused = await serveRefusal(["--data-dir", secondDir, "--database", used.database]);

    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(join(secondDir, "keyring.json"));
    expect(await readdir(secondDir)).toEqual([]);
    expect(await dumpStore(used.database)).toEqual(before);
    expect((await first.call("GET", "/v1/api_keys", { key: used.admin })).status).toBe(200);
  });
});
