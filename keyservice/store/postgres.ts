import pg from "pg";
import type { Database, Queryable, Row, SqlValue } from "./database.ts";
import { listenPostgres } from "./postgres-listen.ts";

// BIGINT (int8) and NUMERIC come back as strings by default; our timestamps are integer milliseconds,
// well inside Number's exact range. Per pool, not pg's global type table.
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text"),
};

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T extends Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      return (await client.query({ text: sql, values: params as unknown[] })).rows as T[];
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      return (await client.query({ text: sql, values: params as unknown[] })).rowCount ?? 0;
    },
  };
}

export function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 16, types });
  // An idle client's error (e.g. the server restarting) must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  return {
    dialect: "postgres",
    forUpdate: " FOR UPDATE",
    ...queryable(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const value = await fn(queryable(client));
        await client.query("COMMIT");
        return value;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    listen: (channel, handlers, backoff) => listenPostgres({ url, channel, handlers, backoff }),
    async close() {
      await pool.end();
    },
  };
}
