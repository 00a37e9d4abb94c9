// What every ayra-keys JSON log looks like and what it must hide, as plain data and functions: the level as
// its name, the time as an ISO 8601 instant, errors under `err` (the shell's logging library serializes them:
// type, message, stack, cause), fields named like secrets redacted, and any key-shaped literal anywhere in the
// finished line masked on its way to the stream. Each shell builds its own logger from these
// (keyservice/logger.ts, controller/logger.ts), so core carries no logging library. docs/logging.md says
// where the lines go.
import { maskKeyLiterals } from "../domain/key-format.ts";

export interface LogOptions {
  level: string;
  /** Fields on every line. */
  base: { service: string };
  /** The error field, serialized by the logging library's error serializer. */
  errorKey: "err";
  /** The `"time"` member of a line, an ISO 8601 instant in UTC. */
  timestamp: () => string;
  /** Paths whose values are replaced by the censor. */
  redact: { paths: string[]; censor: string };
  formatters: {
    /** `"level":"info"`, not a number: readable without a lookup table, and what log pipelines match on. */
    level(label: string): { level: string };
  };
  hooks: {
    /**
     * Masks key-shaped literals in the finished line, after serialization: the message, every field, child
     * bindings, and error messages and stacks all pass through here.
     */
    streamWrite(line: string): string;
  };
}

/** Every option a shell's logger needs, masking included: pass it to the logging library as it is. */
export function maskedLogOptions(options: { service: string; level?: string }): LogOptions {
  return {
    level: options.level ?? process.env.AYRA_KEYS_LOG_LEVEL ?? "info",
    base: { service: options.service },
    errorKey: "err",
    timestamp: isoTime,
    redact: {
      paths: ["secret", "*.secret", "headers.authorization", "req.headers.authorization"],
      censor: "[redacted]",
    },
    formatters: { level: (label) => ({ level: label }) },
    hooks: { streamWrite: maskKeyLiterals },
  };
}

/** `,"time":"2026-12-02T04:05:06.789Z"`: the member as the logging library splices it into a line. */
export function isoTime(): string {
  return `,"time":"${new Date().toISOString()}"`;
}
