// The controller's JSON log on stdout, masked as every ayra-keys log is (core/logging).
import pino, { type DestinationStream, type Logger } from "pino";
import { maskedLogOptions, maskLogArguments, maskLogFields } from "../core/logging/log-masking.ts";

export function createControllerLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  const { level, base, redact } = maskedLogOptions({ service: "ayra-keys-controller", level: options.level });
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
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
