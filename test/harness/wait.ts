// Awaiting a condition instead of sleeping: poll until `probe` returns a value (not undefined/false),
// fail with the description and the last error once the deadline passes.
import { setTimeout as delay } from "node:timers/promises";

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Extra context for the timeout message, e.g. a process's last output. */
  context?: () => string;
}

export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
      const context = options.context ? `\n${options.context()}` : "";
      throw new Error(`timed out waiting for ${description}${why}${context}`);
    }
    await delay(options.intervalMs ?? 100);
  }
}
