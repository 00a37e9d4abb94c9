// JSON logs (pino) in which no key value can appear: any key-shaped literal is masked on the way out.
import pino, { type DestinationStream, type Logger } from "pino";
import { maskKeyLiterals } from "../core/domain/key-format.ts";

export function createControllerLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? process.env.AYRA_KEYS_LOG_LEVEL ?? "info",
      base: { service: "ayra-keys-controller" },
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
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
