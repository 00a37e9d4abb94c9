// Metadata filters are answered by the database through key_metadata (kept by triggers on every write, the
// previous release's included, and filled from existing keys by its migration), not by reading every key.
import { afterEach, describe, expect, it } from "vitest";
import type { KeyRecord } from "../../../keyservice/keys/key-record.ts";
import { insertKey, listKeys, saveKey } from "../../../keyservice/keys/key-repository.ts";
import type { Database } from "../../../keyservice/store/database.ts";
import { migrate } from "../../../keyservice/store/migrations.ts";
import { openSqlite } from "../../../keyservice/store/sqlite.ts";

function record(id: string, metadata: Record<string, string>): KeyRecord {
  return {
    id,
    name: `Key ${id}`,
    environment: "test",
    scopes: ["agents:read"],
    status: "active",
    hmacKid: "h1",
    digest: `digest-${id}`,
    first6: "abcdef",
    last4: "WXYZ",
    createdAt: 1,
    updatedAt: 1,
    expiresAt: null,
    expiringAt: null,
    scheduledReason: null,
    lastUsedAt: null,
    rolledFrom: null,
    replacedBy: null,
    revokedAt: null,
    revocationReason: null,
    metadata,
    createdBy: null,
  };
}

const ids = async (db: Database, metadata: Record<string, string>) =>
  (await listKeys(db, { metadata, limit: 100 })).records.map((r) => r.id);

describe("metadata filters", () => {
  let db: Database;
  afterEach(async () => {
    await db.close();
  });

  it("find keys by every pair given, follow edits, and use the index", async () => {
    db = openSqlite(":memory:");
    await migrate(db);
    await db.transaction(async (tx) => {
      await insertKey(tx, record("key_a", { k8s_namespace: "shop", k8s_name: "web" }));
      await insertKey(tx, record("key_b", { k8s_namespace: "shop", k8s_name: "worker" }));
      await insertKey(tx, record("key_c", { k8s_namespace: "blog", k8s_name: "web" }));
    });
    expect(await ids(db, { k8s_namespace: "shop" })).toEqual(["key_a", "key_b"]);
    expect(await ids(db, { k8s_namespace: "shop", k8s_name: "web" })).toEqual(["key_a"]);
    expect(await ids(db, { k8s_namespace: "nowhere" })).toEqual([]);

    await db.transaction((tx) => saveKey(tx, record("key_a", { k8s_namespace: "blog", k8s_name: "web" })));
    expect(await ids(db, { k8s_namespace: "shop" })).toEqual(["key_b"]);
    expect(await ids(db, { k8s_namespace: "blog", k8s_name: "web" })).toEqual(["key_a", "key_c"]);

    const plan = await db.query(
      "EXPLAIN QUERY PLAN SELECT key_id FROM key_metadata WHERE name = $1 AND value = $2",
      ["k8s_namespace", "shop"],
    );
    expect(plan.map((row) => String(row.detail)).join("\n")).toMatch(/INDEX key_metadata_lookup/);
  });

  it("are filled for keys stored before the index existed", async () => {
    db = openSqlite(":memory:");
    await migrate(db);
    await db.transaction((tx) => insertKey(tx, record("key_old", { pulumi_stack: "prod" })));
    // As a store from before the index: no key_metadata, migration 2 not applied.
    await db.run("DROP TABLE key_metadata");
    for (const t of ["insert", "update", "delete"]) await db.run(`DROP TRIGGER api_keys_metadata_${t}`);
    await db.run("DELETE FROM schema_migrations WHERE version = 2");
    expect(await migrate(db)).toBe(1);
    expect(await ids(db, { pulumi_stack: "prod" })).toEqual(["key_old"]);
  });

  it("index keys written by plain SQL, as a previous release writes them during a rolling update", async () => {
    db = openSqlite(":memory:");
    await migrate(db);
    await db.transaction((tx) => insertKey(tx, record("key_new", { k8s_uid: "u1" })));
    await db.run("UPDATE api_keys SET id = 'key_raw', digest = 'd2' WHERE id = 'key_new'");
    await db.run(
      "INSERT INTO api_keys SELECT 'key_old', name, environment, scopes, status, hmac_kid, 'd3', first6, last4, created_at, updated_at, expires_at, expiring_at, scheduled_reason, last_used_at, rolled_from, replaced_by, revoked_at, revocation_reason, $1, created_by FROM api_keys WHERE id = 'key_raw'",
      [JSON.stringify({ k8s_uid: "u2" })],
    );
    expect(await ids(db, { k8s_uid: "u2" })).toEqual(["key_old"]);
    await db.run("UPDATE api_keys SET metadata = $1 WHERE id = 'key_old'", [
      JSON.stringify({ k8s_uid: "u3" }),
    ]);
    expect(await ids(db, { k8s_uid: "u2" })).toEqual([]);
    expect(await ids(db, { k8s_uid: "u3" })).toEqual(["key_old"]);
    await db.run("DELETE FROM api_keys WHERE id = 'key_old'");
    expect(await ids(db, { k8s_uid: "u3" })).toEqual([]);
  });
});
