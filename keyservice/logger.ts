// The keys service's JSON log, on stderr (stdout is for the one bootstrap display), masked as every
// ayra-keys log is (core/logging).
import pino, { type DestinationStream, type Logger } from "pino";
import { maskedLogOptions } from "../core/logging/log-masking.ts";

export function createServiceLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    maskedLogOptions({ service: "ayra-keys-serve", level: options.level }),
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
