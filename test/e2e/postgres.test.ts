// Smoke test of the real PostgreSQL the keys service tests use.
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { startPostgres } from "../harness/postgres.ts";

describe("the real PostgreSQL", () => {
  it("answers queries in a database of the test's own", async () => {
    const admin = new pg.Client({ connectionString: inject("postgresUrl") });
    await admin.connect();
    const dbName = `smoke_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();

    const url = inject("postgresUrl").replace(/\/postgres$/, `/${dbName}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const version = await client.query<{ server_version_num: string }>("SHOW server_version_num");
      expect(Number(version.rows[0]?.server_version_num)).toBeGreaterThanOrEqual(150000);
      await client.query("CREATE TABLE t (id bigint PRIMARY KEY, name text NOT NULL)");
      await client.query("INSERT INTO t VALUES ($1, $2), ($3, $4)", [1, "a", 2, "b"]);
      const rows = await client.query<{ n: string }>("SELECT count(*) AS n FROM t");
      expect(rows.rows[0]?.n).toBe("2");
      const duplicate = await client.query("INSERT INTO t VALUES (1, 'again')").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((duplicate as { code?: string }).code).toBe("23505");
    } finally {
      await client.end();
    }
  });

  it("starts and stops a private server, leaving nothing running", async () => {
    const server = await startPostgres();
    const url = await server.createDatabase("private_db");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    expect((await client.query("SELECT current_database() AS db")).rows[0]?.db).toBe("private_db");
    await client.end();
    await server.stop();
    const refused = await new pg.Client({ connectionString: url }).connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(Error);
  });
});
