// A keyed work queue (client-go's workqueue): a key is queued at most once; a key being processed is marked
// dirty and queued again when done, so one key is never reconciled twice at once; delayed adds keep the
// earliest wake-up per key; rate-limited adds back off per key and globally.
import { MAX_TIMER_MS, type Timers } from "./clock.ts";
import { ItemRateLimiter, type RateLimiterOptions } from "./rate-limiter.ts";

export interface WorkQueueOptions {
  timers: Timers;
  rateLimit?: Partial<Omit<RateLimiterOptions, "now">>;
}

export class WorkQueue {
  readonly #timers: Timers;
  readonly #limiter: ItemRateLimiter;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, { at: number; handle: unknown }>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.#timers = options.timers;
    this.#limiter = new ItemRateLimiter({
      baseDelayMs: options.rateLimit?.baseDelayMs ?? 200,
      maxDelayMs: options.rateLimit?.maxDelayMs ?? 300_000,
      qps: options.rateLimit?.qps ?? 20,
      burst: options.rateLimit?.burst ?? 200,
      now: () => this.#timers.now(),
    });
  }

  add(key: string): void {
    if (this.#shuttingDown) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#queued.delete(key);
      this.#processing.add(key);
      waiter(key);
    } else {
      this.#queue.push(key);
    }
  }

  /** Adds the key after `ms`; an earlier pending wake-up for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const delay = Math.min(ms, MAX_TIMER_MS);
    const at = this.#timers.now() + delay;
    const existing = this.#delayed.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return;
      this.#timers.clearTimeout(existing.handle);
    }
    const handle = this.#timers.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delay);
    this.#delayed.set(key, { at, handle });
  }

  addRateLimited(key: string): number {
    const delay = this.#limiter.when(key);
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: string): void {
    this.#limiter.forget(key);
  }

  failures(key: string): number {
    return this.#limiter.failures(key);
  }

  /** The next key to process, marked as processing; undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#queued.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
  }

  /** Keys waiting to be processed now (not the delayed ones). */
  get length(): number {
    return this.#queue.length;
  }
  get delayedCount(): number {
    return this.#delayed.size;
  }
  get processingCount(): number {
    return this.#processing.size;
  }

  shutDown(): void {
    this.#shuttingDown = true;
    for (const { handle } of this.#delayed.values()) this.#timers.clearTimeout(handle);
    this.#delayed.clear();
    for (const w of this.#waiters.splice(0)) w(undefined);
  }
}
