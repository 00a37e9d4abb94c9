// Several nodes on one PostgreSQL: each node learns what the others changed through LISTEN/NOTIFY (every
// change of a key's state is announced in its own transaction, see key-changes.ts), typically within
// milliseconds of the commit. While the notification channel is down, a poll takes over: one query per
// interval for keys whose updated_at moved, so a revocation still reaches every node within about one
// interval. When the channel comes back, one catch-up poll covers the gap and the keys gauge is recounted.
// Deadlines need no sync: every request evaluates them against the clock.
import type { Logger } from "pino";
import { countByStatus } from "../keys/key-repository.ts";
import type { ListenBackoff } from "../store/postgres-listen.ts";
import type { ServiceDeps } from "./context.ts";
import { applyKeyChange, KEY_CHANGES_CHANNEL, parseKeyChange, resetKeyCounts } from "./key-changes.ts";

/** How far back each poll looks past the previous one: covers transactions that commit late. */
const OVERLAP_MS = 5_000;

export interface CacheSync {
  /** Whether changes arrive by notification (false: polling). */
  readonly listening: boolean;
  close(): Promise<void>;
}

export function startCacheSync(
  deps: ServiceDeps,
  options: { pollIntervalMs: number; logger: Logger; reconnect?: ListenBackoff },
): CacheSync {
  const { logger } = options;
  let since = deps.now();
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const now = deps.now();
      const rows = await deps.db.query("SELECT id FROM api_keys WHERE updated_at >= $1", [
        since - OVERLAP_MS,
      ]);
      for (const row of rows) deps.cache.invalidate(String(row.id));
      since = now;
    } finally {
      polling = false;
    }
  };
  const pollLogged = () => poll().catch((err: unknown) => logger.warn({ err }, "cache sync poll failed"));
  const recount = () =>
    countByStatus(deps.db)
      .then((counts) => resetKeyCounts(deps, counts))
      .catch((err: unknown) => logger.warn({ err }, "counting keys failed"));

  const channel = deps.db.listen?.(
    KEY_CHANGES_CHANNEL,
    {
      notification(payload) {
        const change = parseKeyChange(payload);
        if (change) applyKeyChange(deps, change);
      },
      up() {
        logger.info("listening for key changes from other nodes");
        void pollLogged();
        void recount();
      },
      down(reason) {
        // Changes from here on are polled for until the channel is back.
        since = deps.now();
        logger.warn({ reason }, "key change notifications lost; polling until they are back");
      },
    },
    options.reconnect,
  );
  const timer = setInterval(() => {
    if (!channel?.connected) void pollLogged();
  }, options.pollIntervalMs);
  timer.unref();
  return {
    get listening() {
      return channel?.connected ?? false;
    },
    async close() {
      clearInterval(timer);
      await channel?.close();
    },
  };
}
