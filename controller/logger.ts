// The controller's JSON log, on stderr like every ayra-keys log (docs/logging.md), in the one format and with
// the masking core/logging gives every shell; errors under `err` go through pino's error serializer.
import pino, { type DestinationStream, type Logger } from "pino";
import { maskedLogOptions } from "../core/logging/log-masking.ts";

export function createControllerLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      ...maskedLogOptions({ service: "ayra-keys-controller", level: options.level }),
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
