import type { Database, Queryable } from "./database.ts";

// Forward-only, numbered migrations; each runs once, in its own transaction, recorded in schema_migrations.
// SQL here is the subset SQLite and PostgreSQL share. Times are integer milliseconds since the epoch.
const migrations: {
  version: number;
  name: string;
  sql: string[];
  /** Statements whose syntax differs between the two databases (triggers), after `sql`. */
  dialectSql?: Record<Database["dialect"], string[]>;
  /** Data the new schema needs from rows written before it, after `sql`. */
  backfill?: (tx: Queryable) => Promise<void>;
}[] = [
  {
    version: 1,
    name: "keys, idempotency, audit, usage",
    sql: [
      `CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        environment TEXT NOT NULL,
        scopes TEXT NOT NULL,
        status TEXT NOT NULL,
        hmac_kid TEXT NOT NULL,
        digest TEXT NOT NULL,
        first6 TEXT NOT NULL,
        last4 TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        expires_at BIGINT,
        expiring_at BIGINT,
        scheduled_reason TEXT,
        last_used_at BIGINT,
        rolled_from TEXT,
        replaced_by TEXT,
        revoked_at BIGINT,
        revocation_reason TEXT,
        metadata TEXT NOT NULL,
        created_by TEXT
      )`,
      "CREATE UNIQUE INDEX api_keys_digest ON api_keys (digest, hmac_kid)",
      "CREATE INDEX api_keys_created ON api_keys (created_at, id)",
      "CREATE INDEX api_keys_updated ON api_keys (updated_at, id)",
      "CREATE INDEX api_keys_expiring ON api_keys (status, expiring_at)",
      "CREATE INDEX api_keys_expires ON api_keys (status, expires_at)",
      `CREATE TABLE idempotency (
        actor TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status_code INTEGER NOT NULL,
        response TEXT,
        aes_kid TEXT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (actor, idem_key)
      )`,
      "CREATE INDEX idempotency_expires ON idempotency (expires_at)",
      `CREATE TABLE audit_events (
        id TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL,
        actor_key_id TEXT,
        action TEXT NOT NULL,
        target_key_id TEXT,
        request_id TEXT,
        ip TEXT,
        details TEXT NOT NULL
      )`,
      "CREATE INDEX audit_events_order ON audit_events (created_at, id)",
      "CREATE INDEX audit_events_target ON audit_events (target_key_id, created_at, id)",
      `CREATE TABLE usage_hourly (
        key_id TEXT NOT NULL,
        hour BIGINT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (key_id, hour)
      )`,
      "CREATE TABLE service_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ],
  },
  {
    version: 2,
    name: "key metadata index",
    sql: [
      `CREATE TABLE key_metadata (
        key_id TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (key_id, name)
      )`,
      "CREATE INDEX key_metadata_lookup ON key_metadata (name, value, key_id)",
    ],
    // Kept by the database itself, not by the service: during a rolling update the previous release writes
    // keys too, and its keys must be found by metadata filters (the controller's stray sweep relies on them).
    dialectSql: {
      sqlite: [
        `CREATE TRIGGER api_keys_metadata_insert AFTER INSERT ON api_keys BEGIN
          INSERT INTO key_metadata (key_id, name, value) SELECT NEW.id, j.key, j.value FROM json_each(NEW.metadata) AS j;
        END`,
        `CREATE TRIGGER api_keys_metadata_update AFTER UPDATE OF metadata ON api_keys
          WHEN NEW.metadata IS NOT OLD.metadata BEGIN
          DELETE FROM key_metadata WHERE key_id = NEW.id;
          INSERT INTO key_metadata (key_id, name, value) SELECT NEW.id, j.key, j.value FROM json_each(NEW.metadata) AS j;
        END`,
        `CREATE TRIGGER api_keys_metadata_delete AFTER DELETE ON api_keys BEGIN
          DELETE FROM key_metadata WHERE key_id = OLD.id;
        END`,
      ],
      postgres: [
        `CREATE FUNCTION api_keys_metadata_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          IF TG_OP <> 'INSERT' THEN
            DELETE FROM key_metadata WHERE key_id = OLD.id;
          END IF;
          IF TG_OP <> 'DELETE' THEN
            INSERT INTO key_metadata (key_id, name, value)
              SELECT NEW.id, j.key, j.value FROM json_each_text(NEW.metadata::json) AS j;
          END IF;
          RETURN NULL;
        END
        $fn$`,
        `CREATE TRIGGER api_keys_metadata_insert AFTER INSERT OR DELETE ON api_keys
          FOR EACH ROW EXECUTE FUNCTION api_keys_metadata_sync()`,
        `CREATE TRIGGER api_keys_metadata_update AFTER UPDATE OF metadata ON api_keys
          FOR EACH ROW WHEN (NEW.metadata IS DISTINCT FROM OLD.metadata) EXECUTE FUNCTION api_keys_metadata_sync()`,
      ],
    },
    // Existing keys' metadata, read once in code (JSON functions differ between the two databases).
    async backfill(tx) {
      const rows = await tx.query("SELECT id, metadata FROM api_keys");
      for (const row of rows)
        for (const [name, value] of Object.entries(
          JSON.parse(String(row.metadata)) as Record<string, string>,
        ))
          await tx.run("INSERT INTO key_metadata (key_id, name, value) VALUES ($1, $2, $3)", [
            String(row.id),
            name,
            value,
          ]);
    },
  },
  {
    version: 3,
    name: "revoked and expired keys still presented",
    // Kept apart from api_keys: an attempt is not a change of the key's state (updated_at never moves).
    sql: [
      `CREATE TABLE refused_key_attempts (
        key_id TEXT PRIMARY KEY,
        count BIGINT NOT NULL,
        last_at BIGINT NOT NULL,
        audited_at BIGINT
      )`,
    ],
  },
  {
    version: 4,
    name: "dashboard sessions",
    // Only hashes: a copy of the database (a backup, a replica) signs no one in and forges no request.
    sql: [
      `CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        csrf_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      "CREATE INDEX sessions_expires ON sessions (expires_at)",
      "CREATE INDEX sessions_key ON sessions (key_id)",
    ],
  },
];

export const latestSchemaVersion = migrations.at(-1)?.version ?? 0;

export async function migrate(db: Database): Promise<number> {
  await db.run(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
  );
  let applied = 0;
  for (const m of migrations) {
    const done = await db.query("SELECT version FROM schema_migrations WHERE version = $1", [m.version]);
    if (done.length > 0) continue;
    await db.transaction(async (tx) => {
      // Two replicas starting together on PostgreSQL: the loser's insert conflicts and its transaction rolls back.
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        m.version,
        m.name,
        Date.now(),
      ]);
      for (const statement of m.sql) await tx.run(statement);
      for (const statement of m.dialectSql?.[db.dialect] ?? []) await tx.run(statement);
      await m.backfill?.(tx);
    });
    applied++;
  }
  return applied;
}
