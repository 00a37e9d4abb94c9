// The controller's JSON log on stdout, masked like every ayra-keys log (core/logging).
import type { DestinationStream, Logger } from "pino";
import { createMaskedLogger } from "../core/logging/masked-logger.ts";

export function createControllerLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return createMaskedLogger({ service: "ayra-keys-controller", fd: 1, ...options });
}
