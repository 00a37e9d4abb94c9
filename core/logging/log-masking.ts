// What every ayra-keys JSON log must hide, as plain data and functions: fields named like secrets are
// redacted, and any key-shaped literal anywhere in a line is masked on the way out. Each shell builds its
// own logger from these (keyservice/logger.ts, controller/logger.ts), so core carries no logging library.
import { maskKeyLiterals } from "../domain/key-format.ts";

export interface LogOptions {
  level: string;
  /** Fields on every line. */
  base: { service: string };
  /** Paths whose values are replaced by the censor. */
  redact: { paths: string[]; censor: string };
  /** Masks key-shaped literals in a call's message arguments. */
  hooks: { logMethod(this: unknown, args: unknown[], method: (...args: unknown[]) => void): void };
  /** Masks key-shaped literals in a line's fields. */
  formatters: { log(fields: Record<string, unknown>): Record<string, unknown> };
}

/** Every option a shell's logger needs, masking included: pass it to the logging library as it is. */
export function maskedLogOptions(options: { service: string; level?: string }): LogOptions {
  return {
    level: options.level ?? process.env.AYRA_KEYS_LOG_LEVEL ?? "info",
    base: { service: options.service },
    redact: {
      paths: ["secret", "*.secret", "headers.authorization", "req.headers.authorization"],
      censor: "[redacted]",
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, maskLogArguments(args));
      },
    },
    formatters: { log: maskLogFields },
  };
}

/** A log call's arguments with key-shaped literals in its strings masked. */
export function maskLogArguments<T extends unknown[]>(args: T): T {
  return args.map((a) => (typeof a === "string" ? maskKeyLiterals(a) : a)) as T;
}

/** A log line's fields with every key-shaped literal masked, however deep. */
export function maskLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(maskKeyLiterals(JSON.stringify(fields))) as Record<string, unknown>;
}
