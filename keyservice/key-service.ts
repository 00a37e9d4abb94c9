// Assembles and runs one keys service: store, keyring, bootstrap, background work (deadlines, usage flush,
// replay erasure) and the HTTP server; stops in the order that loses nothing.
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Logger } from "pino";
import { createMaskedLogger } from "../core/logging/masked-logger.ts";
import { type BootstrapOutcome, bootstrapAdminKey } from "./bootstrap.ts";
import { createHttpServer } from "./http/server.ts";
import { keyringReloader, openKeyring, recordKeyring, throttled } from "./keyring-check.ts";
import { countByStatus } from "./keys/key-repository.ts";
import { cacheSync } from "./service/cache-sync.ts";
import type { ServiceDeps } from "./service/context.ts";
import { KeyCache } from "./service/key-cache.ts";
import { createMetrics } from "./service/metrics.ts";
import { WindowRateLimiter } from "./service/rate-limiter.ts";
import { sweep } from "./service/sweeper.ts";
import { UsageRecorder } from "./service/usage-recorder.ts";
import { openDatabase } from "./store/database.ts";
import { migrate } from "./store/migrations.ts";

export interface KeyServiceOptions {
  /** sqlite:PATH or postgres://… */
  database: string;
  /** Holds the keyring file (and, by default, the SQLite file). */
  dataDir: string;
  host?: string;
  port?: number;
  /** The keyring JSON itself, instead of DATA_DIR/keyring.json. */
  keyring?: string;
  keyringFile?: string;
  adminKey?: string;
  adminKeyFile?: string;
  /** Where the bootstrap key is shown once (default: stdout). */
  show?: (text: string) => void;
  logger?: Logger;
  replayWindowMs?: number;
  flushIntervalMs?: number;
  sweepIntervalMs?: number;
  cacheTtlMs?: number;
  /** PostgreSQL: how often changes made by other nodes are picked up (bounds their revocation delay). */
  cacheSyncIntervalMs?: number;
  rateLimitPerSecond?: number;
  failedAuthPerMinute?: number;
  maxBodyBytes?: number;
  /** SQLite: `full` (default, survives power loss) or the opt-in `normal`. */
  sqliteSynchronous?: "full" | "normal";
  now?: () => number;
}

export interface RunningKeyService {
  url: string;
  port: number;
  bootstrap: BootstrapOutcome;
  deps: ServiceDeps;
  logger: Logger;
  /** Re-reads the keyring file (after `ayra-keys keyring rotate`); true when it changed. */
  reloadKeyring(): Promise<boolean>;
  close(): Promise<void>;
}

/** The service's JSON log goes to stderr: stdout is for the one bootstrap display. */
export function createLogger(level?: string): Logger {
  return createMaskedLogger({ service: "ayra-keys-serve", fd: 2, level });
}

export async function startKeyService(options: KeyServiceOptions): Promise<RunningKeyService> {
  const logger = options.logger ?? createLogger();
  // The data folder holds the keyring: private to the service's user.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const db = await openDatabase(options.database, { sqliteSynchronous: options.sqliteSynchronous });
  try {
    const keyringSource = {
      inline: options.keyring,
      path: options.keyringFile ?? join(options.dataDir, "keyring.json"),
    };
    // Checked before anything is written: a node with a missing or foreign keyring changes nothing.
    const { keyring, created } = await openKeyring(db, keyringSource);
    await migrate(db);
    await recordKeyring(db, keyring, keyringSource);
    if (created) logger.info({ keyringFile: keyringSource.path }, "generated a new keyring (mode 0600)");
    const reloadKeyring = keyringReloader(db, keyring, keyringSource);
    keyring.onStale(
      throttled(reloadKeyring, (err) => logger.error({ err: err.message }, "keyring reload refused")),
    );
    const flushIntervalMs = options.flushIntervalMs ?? 5_000;
    const deps: ServiceDeps = {
      db,
      keyring,
      cache: new KeyCache({ ttlMs: options.cacheTtlMs ?? 60_000 }),
      usage: new UsageRecorder(db),
      metrics: createMetrics(() => countByStatus(db)),
      now: options.now ?? Date.now,
      replayWindowMs: options.replayWindowMs ?? 86_400_000,
      flushIntervalMs,
    };
    const bootstrap = await bootstrapAdminKey(deps, {
      adminKey: options.adminKey,
      adminKeyFile: options.adminKeyFile,
      show: options.show ?? ((text) => process.stdout.write(text)),
    });
    if (bootstrap.created)
      logger.info(
        { keyId: bootstrap.keyId, delivered: bootstrap.delivered },
        "created the bootstrap admin key",
      );

    let ready = true;
    const { server, drained } = createHttpServer({
      deps,
      logger,
      keyLimiter: new WindowRateLimiter({ limit: options.rateLimitPerSecond ?? 100, windowMs: 1_000 }),
      failedAuthLimiter: new WindowRateLimiter({
        limit: options.failedAuthPerMinute ?? 100,
        windowMs: 60_000,
      }),
      maxBodyBytes: options.maxBodyBytes ?? 65_536,
      ready: () => ready,
    });
    const background = (name: string, every: number, work: () => Promise<unknown>) => {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        work()
          .catch((err: unknown) =>
            logger.warn(
              { task: name, err: err instanceof Error ? err.message : String(err) },
              "background task failed",
            ),
          )
          .finally(() => {
            running = false;
          });
      }, every);
      timer.unref();
      return timer;
    };
    const timers = [
      background("flush usage", flushIntervalMs, () => deps.usage.flush()),
      background("sweep deadlines", options.sweepIntervalMs ?? 1_000, () => sweep(deps)),
    ];
    // On PostgreSQL other nodes may write too: learn their changes once a second (see cache-sync.ts).
    if (db.dialect === "postgres")
      timers.push(background("sync cache", options.cacheSyncIntervalMs ?? 1_000, cacheSync(deps)));

    server.listen(options.port ?? 8787, options.host ?? "127.0.0.1");
    await once(server, "listening");
    const address = server.address() as AddressInfo;
    const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;
    logger.info({ url, database: db.dialect }, "keys service listening");

    return {
      url,
      port: address.port,
      bootstrap,
      deps,
      logger,
      async reloadKeyring() {
        const changed = await reloadKeyring();
        logger.info({ changed, hmacKeys: keyring.hmacIds }, "keyring reloaded");
        return changed;
      },
      async close() {
        ready = false;
        // Stop accepting, let accepted requests finish, then write what they counted.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Accepted requests finish (bounded: a stuck client does not hold the shutdown forever).
        await Promise.race([drained(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
        server.closeAllConnections();
        await closed;
        for (const t of timers) clearInterval(t);
        await deps.usage
          .flush()
          .catch((err: unknown) => logger.error({ err: String(err) }, "final usage flush failed"));
        await db.close();
        logger.info("keys service stopped");
        logger.flush();
      },
    };
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
