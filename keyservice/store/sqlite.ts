import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { Database, Queryable, Row, SqlValue } from "./database.ts";

/**
 * FULL (the default) syncs the WAL on every commit, so an acknowledged write survives power loss; NORMAL
 * syncs only at checkpoints — still safe against a crash of the process, but the last commits can roll
 * back when the machine loses power. NORMAL is an explicit opt-in (`--sqlite-synchronous normal`).
 */
export type SqliteSynchronous = "full" | "normal";

// node:sqlite is synchronous, so one connection serves the process; write transactions are serialized by a
// promise chain so that awaits inside one never interleave with another's statements.
export function openSqlite(path: string, options: { synchronous?: SqliteSynchronous } = {}): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  const synchronous = options.synchronous === "normal" ? "NORMAL" : "FULL";
  db.exec(
    `PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous}; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;`,
  );
  const statements = new Map<string, StatementSync>();
  const prepare = (sql: string): StatementSync => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql.replace(/\$(\d+)/g, "?$1"));
      statements.set(sql, stmt);
    }
    return stmt;
  };
  const queryable: Queryable = {
    async query<T extends Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      return prepare(sql).all(...(params as SQLInputValue[])) as T[];
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      return Number(prepare(sql).run(...(params as SQLInputValue[])).changes);
    },
  };
  let tail: Promise<unknown> = Promise.resolve();
  return {
    dialect: "sqlite",
    forUpdate: "",
    ...queryable,
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const result = tail.then(async () => {
        db.exec("BEGIN IMMEDIATE");
        try {
          const value = await fn(queryable);
          db.exec("COMMIT");
          return value;
        } catch (err) {
          db.exec("ROLLBACK");
          throw err;
        }
      });
      tail = result.catch(() => undefined);
      return result;
    },
    async close() {
      await tail;
      db.close();
    },
  };
}
