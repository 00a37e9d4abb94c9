// Metadata filters are answered by the database through key_metadata (kept with each create and edit, and
// filled from existing keys by its migration), not by reading every key.
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
    await db.run("DELETE FROM schema_migrations WHERE version = 2");
    expect(await migrate(db)).toBe(1);
    expect(await ids(db, { pulumi_stack: "prod" })).toEqual(["key_old"]);
  });
});
