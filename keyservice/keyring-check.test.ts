import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateKeyringFile, rotateKeyringFile } from "./keyring.ts";
import { KeyringMismatchError, keyringReloader, openKeyring, recordKeyring } from "./keyring-check.ts";
import { type Database, openDatabase } from "./store/database.ts";
import { migrate } from "./store/migrations.ts";

async function store(): Promise<{ db: Database; dir: string; keyringPath: string }> {
  const dir = mkdtempSync(join(tmpdir(), "ayra-keys-keyring-check-"));
  return {
    db: await openDatabase(`sqlite:${join(dir, "keys.db")}`),
    dir,
    keyringPath: join(dir, "keyring.json"),
  };
}

/** A store that a node has started on: migrated, keyring recorded. */
async function startedStore() {
  const s = await store();
  const { keyring } = await openKeyring(s.db, { path: s.keyringPath });
  await migrate(s.db);
  await recordKeyring(s.db, keyring, { path: s.keyringPath });
  return { ...s, keyring };
}

describe("openKeyring", () => {
  it("generates a keyring (0600) only for an empty store", async () => {
    const s = await store();
    const opened = await openKeyring(s.db, { path: s.keyringPath });
    expect(opened.created).toBe(true);
    expect(statSync(s.keyringPath).mode & 0o777).toBe(0o600);
    await s.db.close();
  });

  it.each([
    { name: "refuses a missing keyring over a used store", keyring: () => undefined, says: "does not exist" },
    {
      name: "refuses another store's keyring",
      keyring: (dir: string) => {
        generateKeyringFile(join(dir, "other.json"));
        return join(dir, "other.json");
      },
      says: "is not the one this store uses",
    },
  ])("$name, naming the file and writing no keyring", async ({ keyring, says }) => {
    const s = await startedStore();
    const path = keyring(s.dir) ?? join(s.dir, "missing.json");
    const error = await openKeyring(s.db, { path }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(KeyringMismatchError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain(says);
    expect((error as Error).message).toContain(s.keyring.currentHmacId);
    expect(existsSync(join(s.dir, "missing.json"))).toBe(false);
    await s.db.close();
  });

  it("checks a store written before the record against its digests' key ids", async () => {
    const s = await startedStore();
    await s.db.run("DELETE FROM service_meta WHERE name = 'keyring_hmac_keys'");
    await s.db.run(
      `INSERT INTO api_keys (id, name, environment, scopes, status, hmac_kid, digest, first6, last4, created_at,
       updated_at, metadata) VALUES ('key_1', 'Old', 'live', '[]', 'active', $1, 'd', 'a', 'b', 1, 1, '{}')`,
      [s.keyring.currentHmacId],
    );
    expect((await openKeyring(s.db, { path: s.keyringPath })).created).toBe(false);
    generateKeyringFile(join(s.dir, "other.json"));
    await expect(openKeyring(s.db, { path: join(s.dir, "other.json") })).rejects.toBeInstanceOf(
      KeyringMismatchError,
    );
    await s.db.close();
  });

  it("refuses a second node's new keyring when both start on one empty store", async () => {
    const s = await startedStore();
    const other = generateKeyringFile(join(s.dir, "other.json"));
    await expect(recordKeyring(s.db, other, { path: join(s.dir, "other.json") })).rejects.toBeInstanceOf(
      KeyringMismatchError,
    );
    await s.db.close();
  });
});

describe("keyringReloader", () => {
  it("takes a rotated file, records its new key, and keeps the old keys verifying", async () => {
    const s = await startedStore();
    const reload = keyringReloader(s.db, s.keyring, { path: s.keyringPath });
    const oldId = s.keyring.currentHmacId;
    expect(await reload()).toBe(false);
    const { hmacId } = rotateKeyringFile(s.keyringPath);
    expect(await reload()).toBe(true);
    expect(s.keyring.hmacIds).toEqual([hmacId, oldId]);
    const recorded = await s.db.query("SELECT value FROM service_meta WHERE name = 'keyring_hmac_keys'");
    expect(Object.keys(JSON.parse(String(recorded[0]?.value))).sort()).toEqual([hmacId, oldId].sort());
    await s.db.close();
  });

  it("refuses a file that lost a key in use, and keeps the running keyring", async () => {
    const s = await startedStore();
    const reload = keyringReloader(s.db, s.keyring, { path: s.keyringPath });
    const before = s.keyring.hmacIds;
    const file = JSON.parse(readFileSync(s.keyringPath, "utf8"));
    generateKeyringFile(join(s.dir, "other.json"));
    writeFileSync(s.keyringPath, readFileSync(join(s.dir, "other.json")));
    await expect(reload()).rejects.toBeInstanceOf(KeyringMismatchError);
    expect(s.keyring.hmacIds).toEqual(before);
    expect(file.hmac[0].id).toBe(before[0]);
    await s.db.close();
  });
});
