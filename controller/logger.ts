// The controller's JSON log on stdout, masked as every ayra-keys log is (core/logging).
import pino, { type DestinationStream, type Logger } from "pino";
import { maskedLogOptions } from "../core/logging/log-masking.ts";

export function createControllerLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    maskedLogOptions({ service: "ayra-keys-controller", level: options.level }),
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
