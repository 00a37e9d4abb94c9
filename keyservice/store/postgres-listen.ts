// One LISTEN connection that owns its restarts: when the connection drops (server restart, a terminated
// backend, a network cut) it says so at once and reconnects with capped exponential backoff, so that
// the caller can fall back to polling while it is down.
import pg from "pg";

export interface ListenHandlers {
  notification(payload: string): void;
  /** LISTEN is active again: changes made while down were not delivered. */
  up(): void;
  down(reason: string): void;
}

export interface Listening {
  readonly connected: boolean;
  close(): Promise<void>;
}

/** Reconnect delays: doubling from `minMs` up to `maxMs` (defaults 100 ms and 5 s). */
export interface ListenBackoff {
  minMs: number;
  maxMs: number;
}

export interface ListenOptions {
  url: string;
  channel: string;
  handlers: ListenHandlers;
  backoff?: ListenBackoff;
}

export function listenPostgres(options: ListenOptions): Listening {
  const { handlers } = options;
  const minBackoff = options.backoff?.minMs ?? 100;
  const maxBackoff = options.backoff?.maxMs ?? 5_000;
  let backoff = minBackoff;
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const lost = (current: pg.Client, reason: string) => {
    if (client !== current) return; // already handled (error and end both fire)
    client = undefined;
    current.removeAllListeners("notification");
    current.end().catch(() => undefined);
    if (connected) {
      connected = false;
      handlers.down(reason);
    }
    if (closed) return;
    timer = setTimeout(connect, backoff);
    timer.unref();
    backoff = Math.min(maxBackoff, backoff * 2);
  };

  function connect(): void {
    if (closed) return;
    const current = new pg.Client({
      connectionString: options.url,
      keepAlive: true,
      application_name: "ayra-keys-listen",
    });
    client = current;
    current.on("error", (err) => lost(current, err.message));
    current.on("end", () => lost(current, "connection ended"));
    current.on("notification", (message) => {
      if (message.channel === options.channel && message.payload !== undefined)
        handlers.notification(message.payload);
    });
    current
      .connect()
      .then(() => current.query(`LISTEN ${pg.escapeIdentifier(options.channel)}`))
      .then(() => {
        if (client !== current) return;
        connected = true;
        backoff = minBackoff;
        handlers.up();
      })
      .catch((err: unknown) => lost(current, err instanceof Error ? err.message : String(err)));
  }

  connect();
  return {
    get connected() {
      return connected;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = undefined;
      connected = false;
      await current?.end().catch(() => undefined);
    },
  };
}
