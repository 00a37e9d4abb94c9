// The keys service's JSON log, on stderr (stdout is for the one bootstrap display), masked as every
// ayra-keys log is (core/logging).
import pino, { type DestinationStream, type Logger } from "pino";
import { maskedLogOptions, maskLogArguments, maskLogFields } from "../core/logging/log-masking.ts";

export function createServiceLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  const { level, base, redact } = maskedLogOptions({ service: "ayra-keys-serve", level: options.level });
  return pino(
    {
      level,
      base,
      redact,
      hooks: {
        logMethod(args, method) {
          method.apply(this, maskLogArguments(args));
        },
      },
      formatters: { log: maskLogFields },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
