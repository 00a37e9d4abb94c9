// Fixed one-second windows per key (cheap on the hot path, and exact enough for the documented
// X-RateLimit-* headers), plus a per-address limit on failed authentications over a longer window.

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  resetAt: number;
  retryAfterSeconds: number;
}

export class WindowRateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  #windowStart = 0;
  #counts = new Map<string, number>();

  constructor(options: { limit: number; windowMs: number }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
  }

  get limit(): number {
    return this.#limit;
  }

  #roll(now: number): void {
    const start = now - (now % this.#windowMs);
    if (start !== this.#windowStart) {
      this.#windowStart = start;
      this.#counts = new Map();
    }
  }

  /** Counts one event for `id` and says whether it is within the limit. */
  take(id: string, now: number): RateDecision {
    this.#roll(now);
    const used = (this.#counts.get(id) ?? 0) + 1;
    this.#counts.set(id, used);
    const reset = this.#windowStart + this.#windowMs;
    return {
      allowed: used <= this.#limit,
      limit: this.#limit,
      remaining: Math.max(0, this.#limit - used),
      resetAt: Math.ceil(reset / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil((reset - now) / 1000)),
    };
  }

  /** Whether `id` is over the limit, without counting. */
  exceeded(id: string, now: number): RateDecision | undefined {
    this.#roll(now);
    const used = this.#counts.get(id) ?? 0;
    if (used < this.#limit) return undefined;
    const reset = this.#windowStart + this.#windowMs;
    return {
      allowed: false,
      limit: this.#limit,
      remaining: 0,
      resetAt: Math.ceil(reset / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil((reset - now) / 1000)),
    };
  }
}
