// Time for the runtime, injectable so tests drive it (style 8: the code really uses the seam).
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Node timers hold at most 2^31-1 ms; later wake-ups are re-planned at the cap. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
