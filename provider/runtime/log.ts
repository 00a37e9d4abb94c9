// The provider's log: JSON lines to a file named by AYRA_KEYS_PROVIDER_LOG, nothing otherwise (the engine shows a
// dynamic provider's stderr as CLI output, so routine lines would be noise there). Every string is masked, so a
// key value can never reach the file even if a caller passed one by mistake.
import { appendFileSync } from "node:fs";
import { maskKeyLiterals } from "../../core/domain/key-format.ts";

export type LogFields = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export interface ProviderLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
}

function masked(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === "string") out[key] = maskKeyLiterals(value);
    else if (Array.isArray(value)) out[key] = value.map((item: string) => maskKeyLiterals(item));
    else out[key] = value;
  }
  return out;
}

export function createProviderLog(options: { file: string | undefined; now: () => number }): ProviderLog {
  const write = (level: string, message: string, fields: LogFields = {}) => {
    if (options.file === undefined) return;
    const line = {
      time: new Date(options.now()).toISOString(),
      level,
      pid: process.pid,
      msg: maskKeyLiterals(message),
      ...masked(fields),
    };
    try {
      appendFileSync(options.file, `${JSON.stringify(line)}\n`);
    } catch {
      // A log that cannot be written must not fail a key operation.
    }
  };
  return {
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
  };
}
