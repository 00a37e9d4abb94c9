// A real PostgreSQL server (Debian's package) for tests, in a temp dir on a free port. PostgreSQL
// refuses to run as root, so when the harness is root (as in CI) the server runs as `postgres`.
import { execFile, execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./ports.ts";
import { startProcess } from "./processes.ts";
import { waitFor } from "./wait.ts";

const run = promisify(execFile);

export interface Postgres {
  /** Connection URL of the `postgres` database, as superuser `postgres`. */
  url: string;
  port: number;
  startedInMs: number;
  /** A fresh, empty database; its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

function binDir(): string {
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      "PostgreSQL is needed for these tests but `pg_config` is not on PATH: install Debian's `postgresql` package " +
        "(apt-get install -y postgresql) — .ci/run does.",
    );
  }
}

function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

export async function startPostgres(): Promise<Postgres> {
  const started = Date.now();
  const bin = binDir();
  const owner = runAs();
  const dir = mkdtempSync(join(tmpdir(), "ayra-keys-pg-"));
  if (owner.uid !== undefined && owner.gid !== undefined) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, "data");
  await run(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"], {
    ...owner,
    cwd: dir,
  });
  const port = await freePort();
  const server = startProcess({
    name: "postgres",
    command: join(bin, "postgres"),
    args: [
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
    ],
    cwd: dir,
    ...owner,
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async (): Promise<void> => {
    await server.stop({ graceMs: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      "PostgreSQL to accept connections",
      async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.end();
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, context: () => server.output() },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    port,
    startedInMs: Date.now() - started,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
        throw new Error(`database name ${name} is not a plain identifier`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop,
  };
}
