// Rate limiting for re-adds after errors, like client-go's default controller rate limiter: the larger of a
// per-item exponential backoff and a global token bucket. State lives in the instance.

export interface RateLimiterOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Tokens per second of the global bucket. */
  qps: number;
  burst: number;
  now: () => number;
}

export class ItemRateLimiter {
  readonly #o: RateLimiterOptions;
  readonly #failures = new Map<string, number>();
  #tokens: number;
  #last: number;

  constructor(options: RateLimiterOptions) {
    this.#o = options;
    this.#tokens = options.burst;
    this.#last = options.now();
  }

  /** The delay before `item` may be retried; counts a failure. */
  when(item: string): number {
    const failures = this.#failures.get(item) ?? 0;
    this.#failures.set(item, failures + 1);
    const backoff = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** Math.min(failures, 30));
    return Math.max(backoff, this.#bucketDelay());
  }

  forget(item: string): void {
    this.#failures.delete(item);
  }

  failures(item: string): number {
    return this.#failures.get(item) ?? 0;
  }

  // Reserve one token; the wait until it is available.
  #bucketDelay(): number {
    const now = this.#o.now();
    this.#tokens = Math.min(this.#o.burst, this.#tokens + ((now - this.#last) / 1000) * this.#o.qps);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#o.qps) * 1000);
  }
}
