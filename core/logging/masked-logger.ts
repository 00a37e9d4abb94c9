// JSON logs (pino) in which no key value can appear: fields named like secrets are redacted, and any
// key-shaped literal anywhere in a line is masked on the way out. The keys service and the controller
// both log through this.
import pino, { type DestinationStream, type Logger } from "pino";
import { maskKeyLiterals } from "../domain/key-format.ts";

export interface MaskedLoggerOptions {
  service: string;
  level?: string;
  /** Default: file descriptor `fd`, written asynchronously. */
  destination?: DestinationStream;
  fd?: 1 | 2;
}

export function createMaskedLogger(options: MaskedLoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? process.env.AYRA_KEYS_LOG_LEVEL ?? "info",
      base: { service: options.service },
      redact: {
        paths: ["secret", "*.secret", "headers.authorization", "req.headers.authorization"],
        censor: "[redacted]",
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === "string" ? maskKeyLiterals(a) : a)) as Parameters<typeof method>,
          );
        },
      },
      formatters: {
        log: (obj) => JSON.parse(maskKeyLiterals(JSON.stringify(obj))) as Record<string, unknown>,
      },
    },
    options.destination ?? pino.destination({ fd: options.fd ?? 1, sync: false }),
  );
}
