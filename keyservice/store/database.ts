// One small database interface over node:sqlite and PostgreSQL. SQL is written once with PostgreSQL's
// `$1` placeholders; the SQLite side maps them to `?1`. Timestamps are integer milliseconds everywhere.
import type { ListenBackoff, ListenHandlers, Listening } from "./postgres-listen.ts";

export type SqlValue = string | number | bigint | null;
export type Row = Record<string, SqlValue>;

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Database extends Queryable {
  readonly dialect: "sqlite" | "postgres";
  /**
   * Runs `fn` in one transaction that also holds the write lock (SQLite) or row locks taken with
   * `forUpdate` (PostgreSQL): commits when it resolves, rolls back when it throws.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** ` FOR UPDATE` on PostgreSQL, nothing on SQLite (whose write transactions are already exclusive). */
  readonly forUpdate: string;
  /** PostgreSQL only: a LISTEN connection on `channel` that reconnects by itself (postgres-listen.ts). */
  listen?(channel: string, handlers: ListenHandlers, backoff?: ListenBackoff): Listening;
  close(): Promise<void>;
}

export class DatabaseUrlError extends Error {
  constructor(url: string) {
    super(
      `--database must be sqlite:PATH or postgres://USER@HOST:PORT/DB, got "${url.replace(/:[^:@/]*@/, ":***@")}"`,
    );
    this.name = "DatabaseUrlError";
  }
}

export interface OpenOptions {
  /** SQLite only: `full` (default) or the opt-in `normal`; see sqlite.ts. */
  sqliteSynchronous?: "full" | "normal";
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  if (url.startsWith("sqlite:")) {
    const { openSqlite } = await import("./sqlite.ts");
    return openSqlite(url.slice("sqlite:".length), { synchronous: options.sqliteSynchronous });
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const { openPostgres } = await import("./postgres.ts");
    return openPostgres(url);
  }
  throw new DatabaseUrlError(url);
}
