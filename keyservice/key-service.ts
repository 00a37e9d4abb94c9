// Assembles and runs one keys service: store, keyring, bootstrap, background work (deadlines, usage flush,
// replay erasure) and the HTTP server; stops in the order that loses nothing.
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Logger } from "pino";
import { type BootstrapOutcome, bootstrapAdminKey } from "./bootstrap.ts";
import { checkFilePermissions, createPrivateSqliteFile, serviceFiles } from "./file-permissions.ts";
import { clientAddressResolver, trustedPeer } from "./http/client-address.ts";
import { createMetricsServer } from "./http/metrics-server.ts";
import { createHttpServer } from "./http/server.ts";
import { defaultWebDir, loadStaticBundle } from "./http/static-bundle.ts";
import { keyringReloader, openKeyring, recordKeyring, throttled } from "./keyring-check.ts";
import { countByStatus } from "./keys/key-repository.ts";
import { createServiceLogger } from "./logger.ts";
import { type CacheSync, startCacheSync } from "./service/cache-sync.ts";
import type { ServiceDeps } from "./service/context.ts";
import { KeyCache } from "./service/key-cache.ts";
import { resetKeyCounts } from "./service/key-changes.ts";
import { createMetrics } from "./service/metrics.ts";
import { WindowRateLimiter } from "./service/rate-limiter.ts";
import { DEFAULT_SESSION_TTL_MS } from "./service/sessions.ts";
import { sweep } from "./service/sweeper.ts";
import { UsageRecorder } from "./service/usage-recorder.ts";
import { openDatabase } from "./store/database.ts";
import { migrate } from "./store/migrations.ts";
import type { ListenBackoff } from "./store/postgres-listen.ts";

/**
 * The delays the contract states (schemas/keys-api.openapi.yaml, "Eventual parts"); a test holds the
 * document to these numbers.
 */
export const SERVICE_DEFAULTS = {
  /** Usage counts are written this often: last_used_at may lag by as much. */
  flushIntervalMs: 5_000,
  /**
   * How long a cached key record is trusted without hearing from the store. Every change invalidates it
   * at once on every node (notification or poll); this bounds only a node cut off from the database.
   */
  cacheTtlMs: 60_000,
  /** PostgreSQL: while change notifications are down, other nodes' changes are polled for this often. */
  cacheSyncIntervalMs: 1_000,
} as const;

export interface KeyServiceOptions {
  /** sqlite:PATH or postgres://… */
  database: string;
  /** Holds the keyring file (and, by default, the SQLite file). */
  dataDir: string;
  host?: string;
  port?: number;
  /** Where /metrics is served (its own listener); none when absent. */
  metrics?: { host: string; port: number };
  /** Proxies whose X-Forwarded-For is believed (CIDRs, IPv4 or IPv6). */
  trustedProxies?: string[];
  /** The keyring JSON itself, instead of DATA_DIR/keyring.json. */
  keyring?: string;
  keyringFile?: string;
  adminKey?: string;
  adminKeyFile?: string;
  /**
   * Where the bootstrap key is shown once: a terminal. Default: stdout when it is a terminal; otherwise the
   * key goes to a 0600 file (adminKeyFile, default DATA_DIR/admin-key), since a collected stdout is a log.
   */
  show?: (text: string) => void;
  logger?: Logger;
  replayWindowMs?: number;
  flushIntervalMs?: number;
  sweepIntervalMs?: number;
  cacheTtlMs?: number;
  /** PostgreSQL: how often changes made by other nodes are picked up (bounds their revocation delay). */
  cacheSyncIntervalMs?: number;
  /** PostgreSQL: delays between attempts to restore the change notifications (doubling; 100 ms to 5 s). */
  listenBackoff?: ListenBackoff;
  /** Per key, across all nodes: each node enforces its share, rateLimitPerSecond / nodes. */
  rateLimitPerSecond?: number;
  /** How many nodes share the database (PostgreSQL), for the per-key rate limit's share. */
  nodes?: number;
  failedAuthPerMinute?: number;
  maxBodyBytes?: number;
  /** SQLite: `full` (default, survives power loss) or the opt-in `normal`. */
  sqliteSynchronous?: "full" | "normal";
  /** Dashboard sessions' absolute lifetime (default 8 hours). */
  sessionTtlMs?: number;
  /** The dashboard's built page (index.html and assets/); default the package's web/dist. */
  webDir?: string;
  now?: () => number;
}

export interface RunningKeyService {
  url: string;
  /** Where the dashboard is served (the page at /). */
  dashboardUrl: string;
  port: number;
  /** Where /metrics is served, when a metrics listener was asked for. */
  metricsUrl: string | undefined;
  /** PostgreSQL: how this node learns other nodes' changes. */
  cacheSync: CacheSync | undefined;
  bootstrap: BootstrapOutcome;
  deps: ServiceDeps;
  logger: Logger;
  /** Re-reads the keyring file (after `ayra-keys keyring rotate`); true when it changed. */
  reloadKeyring(): Promise<boolean>;
  close(): Promise<void>;
}

export async function startKeyService(options: KeyServiceOptions): Promise<RunningKeyService> {
  const logger = options.logger ?? createServiceLogger();
  const show =
    options.show ?? (process.stdout.isTTY ? (text: string) => void process.stdout.write(text) : undefined);
  const adminKeyFile = options.adminKeyFile ?? (show ? undefined : join(options.dataDir, "admin-key"));
  const keyringFile = options.keyringFile ?? join(options.dataDir, "keyring.json");
  // The data folder holds the keyring: private to the service's user. Checked before anything is read,
  // and again once the store and keyring exist (a new SQLite file gets the umask's mode).
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const targets = serviceFiles({
    dataDir: options.dataDir,
    keyringFile: options.keyring ? undefined : keyringFile,
    adminKeyFile,
    database: options.database,
  });
  const checkFiles = () => {
    const report = checkFilePermissions(targets);
    for (const f of report.fixed)
      logger.info(
        { path: f.path, from: f.from.toString(8), to: f.to.toString(8) },
        "tightened file permissions",
      );
    for (const f of report.openFolders)
      logger.warn(
        { path: f.path, mode: f.mode.toString(8) },
        "the data folder is open to other users and not ours to change; its files are checked one by one",
      );
  };
  checkFiles();
  createPrivateSqliteFile(options.database);
  const db = await openDatabase(options.database, { sqliteSynchronous: options.sqliteSynchronous });
  try {
    const keyringSource = { inline: options.keyring, path: keyringFile };
    // Checked before anything is written: a node with a missing or foreign keyring changes nothing.
    const { keyring, created } = await openKeyring(db, keyringSource);
    await migrate(db);
    await recordKeyring(db, keyring, keyringSource);
    if (created) logger.info({ keyringFile: keyringSource.path }, "generated a new keyring (mode 0600)");
    const reloadKeyring = keyringReloader(db, keyring, keyringSource);
    keyring.onStale(throttled(reloadKeyring, (err) => logger.error({ err }, "keyring reload refused")));
    checkFiles();
    const flushIntervalMs = options.flushIntervalMs ?? SERVICE_DEFAULTS.flushIntervalMs;
    const clientAddress = clientAddressResolver(options.trustedProxies ?? []);
    const deps: ServiceDeps = {
      db,
      keyring,
      cache: new KeyCache({ ttlMs: options.cacheTtlMs ?? SERVICE_DEFAULTS.cacheTtlMs }),
      usage: new UsageRecorder(db),
      metrics: createMetrics({ processMetrics: options.metrics !== undefined }),
      now: options.now ?? Date.now,
      replayWindowMs: options.replayWindowMs ?? 86_400_000,
      flushIntervalMs,
    };
    const bootstrap = await bootstrapAdminKey(deps, { adminKey: options.adminKey, adminKeyFile, show });
    if (bootstrap.created)
      logger.info(
        {
          keyId: bootstrap.keyId,
          delivered: bootstrap.delivered,
          ...(bootstrap.delivered === "file" ? { file: adminKeyFile } : {}),
        },
        bootstrap.delivered === "file"
          ? `created the bootstrap admin key; it is in ${adminKeyFile} (mode 0600), and shown nowhere else`
          : "created the bootstrap admin key",
      );

    // One count at start; from here on the gauge moves with every write (key-changes.ts).
    resetKeyCounts(deps, await countByStatus(db));

    let ready = true;
    const { server, drained } = createHttpServer({
      deps,
      logger,
      keyLimiter: new WindowRateLimiter({
        limit: Math.max(1, Math.floor((options.rateLimitPerSecond ?? 100) / (options.nodes ?? 1))),
        windowMs: 1_000,
      }),
      clientAddress,
      failedAuthLimiter: new WindowRateLimiter({
        limit: options.failedAuthPerMinute ?? 100,
        windowMs: 60_000,
      }),
      maxBodyBytes: options.maxBodyBytes ?? 65_536,
      ready: () => ready,
      sessionTtlMs: options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
      bundle: loadStaticBundle(options.webDir ?? defaultWebDir()),
      trustedProxy: trustedPeer(options.trustedProxies ?? []),
    });
    const background = (name: string, every: number, work: () => Promise<unknown>) => {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        work()
          .catch((err: unknown) => logger.warn({ task: name, err: err }, "background task failed"))
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
    // On PostgreSQL other nodes may write too: learn their changes as they commit (see cache-sync.ts).
    const sync: CacheSync | undefined =
      db.dialect === "postgres"
        ? startCacheSync(deps, {
            pollIntervalMs: options.cacheSyncIntervalMs ?? SERVICE_DEFAULTS.cacheSyncIntervalMs,
            logger,
            reconnect: options.listenBackoff,
          })
        : undefined;

    const metricsServer = options.metrics ? createMetricsServer(deps.metrics.registry) : undefined;
    if (metricsServer && options.metrics) {
      metricsServer.listen(options.metrics.port, options.metrics.host);
      await once(metricsServer, "listening");
    }
    server.listen(options.port ?? 8787, options.host ?? "127.0.0.1");
    await once(server, "listening");
    const address = server.address() as AddressInfo;
    const url = urlOf(address);
    const metricsUrl = metricsServer ? `${urlOf(metricsServer.address() as AddressInfo)}/metrics` : undefined;
    const dashboardUrl = `${url}/`;
    logger.info(
      { url, dashboard: dashboardUrl, metrics: metricsUrl, database: db.dialect },
      "keys service listening",
    );

    return {
      url,
      dashboardUrl,
      port: address.port,
      metricsUrl,
      cacheSync: sync,
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
        await sync?.close();
        if (metricsServer) {
          const stopped = new Promise<void>((resolve) => metricsServer.close(() => resolve()));
          metricsServer.closeAllConnections();
          await stopped;
        }
        await deps.usage.flush().catch((err: unknown) => logger.error({ err }, "final usage flush failed"));
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

function urlOf(address: AddressInfo): string {
  return `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;
}
