// Drift detection (promise 5): one full list at start, then one `updated_after` list and one incremental
// page of audit events per drift interval — the only keys-API traffic of an idle controller. Keys revoked or expired out of band, and strays, are
// handed to `onChange` so their ApiKeys are reconciled.
import type { Logger } from "pino";
import type { KeysClient } from "../../core/client/index.ts";
import type { ApiKey } from "../../core/client/types.ts";
import type { Timers } from "../runtime/clock.ts";
import type { KeyFacts } from "./key-facts.ts";

export interface DriftOptions {
  client: KeysClient;
  facts: KeyFacts;
  /** The metadata every key of this controller carries (managed_by, cluster, and namespace when scoped). */
  metadata: Record<string, string>;
  intervalMs: number;
  timers: Timers;
  logger: Logger;
  onChange: (changed: ApiKey[]) => void;
  /** The one incremental page of audit events per interval (revoked keys still presented), after the list. */
  auditPage?: () => Promise<void>;
}

export class DriftWatcher {
  readonly #o: DriftOptions;
  #cursor: string | undefined;
  #timer: unknown;
  #stopped = false;
  #running: Promise<void> | undefined;
  lastPassAt: number | undefined;
  passes = 0;

  constructor(options: DriftOptions) {
    this.#o = options;
  }

  /** One pass: the full list the first time, `updated_after` the last change seen afterwards. */
  async pass(): Promise<void> {
    const { client, facts, metadata } = this.#o;
    const changed: ApiKey[] = [];
    let newest = this.#cursor;
    const query =
      this.#cursor === undefined
        ? { metadata, limit: 100 }
        : { metadata, limit: 100, updated_after: this.#cursor };
    for await (const key of client.listAllKeys(query)) {
      if (facts.observe(key) || this.#cursor === undefined) changed.push(key);
      if (newest === undefined || key.updated_at > newest) newest = key.updated_at;
    }
    facts.complete = true;
    // With no key yet, start a minute back: our clock and the service's may differ a little.
    this.#cursor = newest ?? new Date(this.#o.timers.now() - 60_000).toISOString();
    this.lastPassAt = this.#o.timers.now();
    this.passes++;
    if (changed.length > 0) this.#o.onChange(changed);
    // Its failure is logged, not the pass's: the key list above stands, and the next page resumes.
    await this.#o.auditPage?.().catch((error: unknown) => {
      this.#o.logger.warn({ err: error }, "keys-API audit page failed");
    });
  }

  /** Runs the first pass now (retrying every second until it answers), then one per interval. */
  start(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#onFirst = resolve;
      void this.#cycle();
    });
  }

  #onFirst: (() => void) | undefined;

  async #cycle(): Promise<void> {
    if (this.#stopped) return;
    this.#running = this.pass().then(
      () => {
        this.#onFirst?.();
        this.#onFirst = undefined;
      },
      (error: unknown) => {
        this.#o.logger.warn({ err: error }, "keys-API drift list failed");
      },
    );
    await this.#running;
    if (this.#stopped) return;
    const delay = this.#o.facts.complete ? this.#o.intervalMs : 1_000;
    this.#timer = this.#o.timers.setTimeout(() => void this.#cycle(), delay);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    await this.#running;
    this.#onFirst?.();
  }
}
