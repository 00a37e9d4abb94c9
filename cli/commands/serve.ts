import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { DurationError, parseDuration } from "../../core/domain/durations.ts";
import { parseTrustedProxies, TrustedProxyError } from "../../keyservice/http/client-address.ts";

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new InvalidArgumentError("expected HOST:PORT, e.g. 127.0.0.1:8787");
  return { host: m[1] ?? (m[2] || "127.0.0.1"), port };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function sessionTtl(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    if (err instanceof DurationError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

function trustedProxy(value: string, previous: string[] = []): string[] {
  try {
    parseTrustedProxies([value]);
  } catch (err) {
    if (err instanceof TrustedProxyError) throw new InvalidArgumentError(err.message);
    throw err;
  }
  return [...previous, value];
}

/**
 * The bootstrap admin key to install: AYRA_KEYS_ADMIN_KEY, or the file AYRA_KEYS_ADMIN_KEY_FILE names (a
 * Kubernetes Secret mounted as a file keeps the key out of the process environment). Only an empty store
 * installs it; a missing file is no key.
 */
export function bootstrapKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.AYRA_KEYS_ADMIN_KEY) return env.AYRA_KEYS_ADMIN_KEY;
  const file = env.AYRA_KEYS_ADMIN_KEY_FILE;
  if (!file) return undefined;
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch (error) {
    // Gone once replaced by a rotated management key (an optional Secret deleted): nothing to install.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export function defaultDataDir(): string {
  return resolve(process.env.AYRA_KEYS_DATA_DIR ?? ".data");
}

export interface ServeFlags {
  listen: { host: string; port: number };
  database?: string;
  dataDir: string;
  adminKeyFile?: string;
  keyringFile?: string;
  rateLimit: number;
  nodes: number;
  flushInterval: number;
  metricsListen?: { host: string; port: number };
  trustedProxy?: string[];
  sqliteSynchronous: "full" | "normal";
  /** Milliseconds. */
  sessionTtl: number;
}

/** Runs the service until SIGINT/SIGTERM, then drains and exits. */
export async function runServe(flags: ServeFlags): Promise<void> {
  const database = flags.database ?? `sqlite:${join(flags.dataDir, "keys.db")}`;
  // Loaded here, not at the top: every other command would pay for the service's modules.
  const { startKeyService } = await import("../../keyservice/key-service.ts");
  const service = await startKeyService({
    database,
    dataDir: flags.dataDir,
    host: flags.listen.host,
    port: flags.listen.port,
    keyring: process.env.AYRA_KEYS_KEYRING,
    keyringFile: flags.keyringFile,
    adminKey: bootstrapKeyFromEnv(),
    adminKeyFile: flags.adminKeyFile,
    rateLimitPerSecond: flags.rateLimit,
    nodes: flags.nodes,
    metrics: flags.metricsListen,
    trustedProxies: flags.trustedProxy,
    flushIntervalMs: flags.flushInterval * 1000,
    sqliteSynchronous: flags.sqliteSynchronous,
    sessionTtlMs: flags.sessionTtl,
  });
  process.stdout.write(
    `ayra-keys keys service listening on ${service.url} (${database.startsWith("sqlite:") ? database : "postgres"}); dashboard on ${service.dashboardUrl}${service.metricsUrl ? `; metrics on ${service.metricsUrl}` : ""}\n`,
  );
  // `ayra-keys keyring rotate` then SIGHUP: the node takes the new keyring without a restart.
  const reload = () => {
    service
      .reloadKeyring()
      .catch((err: unknown) =>
        service.logger.error({ err }, "keyring reload refused; the running keyring stays"),
      );
  };
  process.on("SIGHUP", reload);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  process.off("SIGHUP", reload);
  await service.close();
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("run the keys service (the Ayra keys API) on SQLite or PostgreSQL")
    .addOption(
      new Option("--listen <host:port>", "address to listen on")
        .default(parseListen("127.0.0.1:8787"), "127.0.0.1:8787")
        .argParser(parseListen),
    )
    .addOption(
      new Option(
        "--database <url>",
        "sqlite:PATH or postgres://USER@HOST:PORT/DB (default: sqlite in the data dir)",
      ).env("AYRA_KEYS_DATABASE_URL"),
    )
    .addOption(
      new Option("--data-dir <dir>", "where the keyring and the default SQLite file live")
        .default(defaultDataDir(), "./.data")
        .env("AYRA_KEYS_DATA_DIR"),
    )
    .option(
      "--admin-key-file <path>",
      "write the bootstrap admin key to this file (0600) instead of showing it on the terminal (without a terminal: DATA_DIR/admin-key)",
    )
    .option(
      "--keyring-file <path>",
      "the keyring file (default: DATA_DIR/keyring.json; AYRA_KEYS_KEYRING holds it inline)",
    )
    .addOption(
      new Option("--rate-limit <n>", "requests per second per key, across all nodes")
        .default(100)
        .argParser(positiveInt),
    )
    .addOption(
      new Option(
        "--nodes <n>",
        "how many nodes share the database: each enforces 1/n of the per-key rate limit",
      )
        .default(1)
        .argParser(positiveInt),
    )
    .addOption(
      new Option(
        "--metrics-listen <host:port>",
        "serve /metrics on this address (not on the API's)",
      ).argParser(parseListen),
    )
    .addOption(
      new Option(
        "--trusted-proxy <cidr>",
        "believe X-Forwarded-For from these peers (repeatable; IPv4 or IPv6 CIDR) for the client address",
      ).argParser(trustedProxy),
    )
    .addOption(
      new Option("--flush-interval <seconds>", "how often usage counts are written")
        .default(5)
        .argParser(positiveInt),
    )
    .addOption(
      new Option(
        "--sqlite-synchronous <mode>",
        "SQLite durability: full syncs every commit (survives power loss); normal is faster but may lose the last commits on power loss",
      )
        .choices(["full", "normal"])
        .default("full"),
    )
    .addOption(
      new Option(
        "--session-ttl <duration>",
        "how long a dashboard sign-in lasts at most (e.g. 8h, 30m); it also ends on sign-out or when its key is revoked or expires",
      )
        .default(8 * 3_600_000, "8h")
        .argParser(sessionTtl),
    )
    .action(async (flags: ServeFlags) => {
      await runServe(flags);
    });
}
