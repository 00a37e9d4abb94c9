// `ayra-keys serve` as a separate process (what an operator runs), its database on SQLite or on the run's
// PostgreSQL, and a logical dump of a store to prove that something wrote nothing.
import { randomBytes } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { inject } from "vitest";
import { type ApiCaller, makeCaller, type Store } from "./keys-service.ts";
import { freePort } from "./ports.ts";
import { type ManagedProcess, startProcess } from "./processes.ts";
import { waitFor } from "./wait.ts";

export const CLI_MAIN = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));

export interface ServeProcess {
  proc: ManagedProcess;
  url: string;
  port: number;
  call: ApiCaller;
}

/** Starts `ayra-keys serve ARGS` on a free port (or `port`) and waits until it is ready. */
export async function startServe(
  args: string[],
  options: { env?: Record<string, string>; port?: number } = {},
): Promise<ServeProcess> {
  const port = options.port ?? (await freePort());
  const proc = startProcess({
    name: "ayra-keys serve",
    command: process.execPath,
    args: [CLI_MAIN, "serve", "--listen", `127.0.0.1:${port}`, "--flush-interval", "1", ...args],
    env: { ...process.env, ...options.env },
    capture: true,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      "the keys service to be ready",
      async () => {
        if (proc.hasExited) throw new Error(`serve exited: ${proc.stderr()}`);
        return (await fetch(`${url}/readyz`)).ok;
      },
      { timeoutMs: 30_000, intervalMs: 50, context: () => proc.output() },
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { proc, url, port, call: makeCaller(() => url) };
}

/** Runs `ayra-keys serve ARGS` expecting it to refuse to start; its exit and output. */
export async function serveRefusal(
  args: string[],
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const proc = startProcess({
    name: "ayra-keys serve",
    command: process.execPath,
    args: [CLI_MAIN, "serve", "--listen", "127.0.0.1:0", ...args],
    capture: true,
  });
  const timer = setTimeout(() => void proc.stop(), 30_000);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { code: exit.code, stderr: proc.stderr(), stdout: proc.stdout() };
}

/** A new, empty database: a SQLite path in `dataDir`, or a fresh PostgreSQL database on the run's server. */
export async function newDatabase(store: Store, dataDir: string): Promise<string> {
  if (store === "sqlite") return `sqlite:${dataDir}/keys.db`;
  const name = `ks_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: inject("postgresUrl") });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return inject("postgresUrl").replace(/\/postgres$/, `/${name}`);
}

const TABLES = [
  "schema_migrations",
  "service_meta",
  "api_keys",
  "idempotency",
  "audit_events",
  "usage_hourly",
  "refused_key_attempts",
];

/** Every row of the service's tables, in a stable order: equal dumps mean nothing was written. */
export async function dumpStore(database: string): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  if (database.startsWith("sqlite:")) {
    const db = new DatabaseSync(database.slice("sqlite:".length), { readOnly: true });
    try {
      for (const t of TABLES) dump[t] = db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all();
    } finally {
      db.close();
    }
    return dump;
  }
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    for (const t of TABLES) dump[t] = (await client.query(`SELECT * FROM ${t} ORDER BY 1, 2`)).rows;
  } finally {
    await client.end();
  }
  return dump;
}
