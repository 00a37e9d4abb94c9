// Everything the provider process takes from outside: credentials (stack config first, then the environment),
// the clock, the hygiene settings for check warnings, and the log file. Read once per
// provider instance; nothing here is captured into the serialized provider.
import { type HygieneConfig, parseHygieneConfig } from "../../core/hygiene/index.ts";

/** The part of Pulumi's dynamic-provider config the runtime reads: `get("ayra:apiUrl")`. */
export interface ConfigReader {
  get(key: string): string | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const CONFIG_KEYS = {
  apiUrl: "ayra:apiUrl",
  apiKey: "ayra:apiKey",
  hygiene: "ayra:hygiene",
} as const;

export const ENV_KEYS = {
  apiUrl: "AYRA_API_URL",
  apiKey: "AYRA_API_KEY",
  /** A file that receives the provider's JSON log lines (never a key value). */
  logFile: "AYRA_KEYS_PROVIDER_LOG",
} as const;

export interface Credentials {
  apiUrl: string;
  apiKey: string;
}

export interface ProviderSettings {
  /** Undefined when neither stack config nor environment give both; the message says what is missing. */
  credentials: Credentials | { missing: string };
  now: () => number;
  hygiene: HygieneConfig;
  /** Problems with the settings themselves, reported by check as warnings. */
  warnings: string[];
  logFile: string | undefined;
}

function readConfig(config: ConfigReader | undefined, key: string): string | undefined {
  try {
    const value = config?.get(key);
    return value === undefined || value === "" ? undefined : value;
  } catch {
    // The engine gave no config at all; the environment may still answer.
    return undefined;
  }
}

function credentialsFrom(config: ConfigReader | undefined, env: Env): ProviderSettings["credentials"] {
  const apiUrl = readConfig(config, CONFIG_KEYS.apiUrl) ?? (env[ENV_KEYS.apiUrl] || undefined);
  const apiKey = readConfig(config, CONFIG_KEYS.apiKey) ?? (env[ENV_KEYS.apiKey] || undefined);
  if (apiUrl !== undefined && apiKey !== undefined) return { apiUrl, apiKey };
  const lacking = [
    apiUrl === undefined ? `${CONFIG_KEYS.apiUrl} (or ${ENV_KEYS.apiUrl})` : undefined,
    apiKey === undefined ? `${CONFIG_KEYS.apiKey} as a secret (or ${ENV_KEYS.apiKey})` : undefined,
  ].filter((item) => item !== undefined);
  return {
    missing: `The ApiKey provider has no keys API credentials: set ${lacking.join(" and ")}, e.g. \`pulumi config set ayra:apiUrl http://127.0.0.1:8787\` and \`pulumi config set --secret ayra:apiKey <key>\`.`,
  };
}

function hygieneFrom(config: ConfigReader | undefined, warnings: string[]): HygieneConfig {
  const text = readConfig(config, CONFIG_KEYS.hygiene);
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    warnings.push(`${CONFIG_KEYS.hygiene} is not JSON; the default hygiene settings apply.`);
    return {};
  }
  const result = parseHygieneConfig(parsed);
  if (result.ok) return result.config;
  warnings.push(
    `${CONFIG_KEYS.hygiene} is ignored: ${result.errors.map((e) => e.message).join(" ")} The default hygiene settings apply.`,
  );
  return {};
}

export function resolveSettings(config: ConfigReader | undefined, env: Env): ProviderSettings {
  const warnings: string[] = [];
  return {
    credentials: credentialsFrom(config, env),
    now: () => Date.now(),
    hygiene: hygieneFrom(config, warnings),
    warnings,
    logFile: env[ENV_KEYS.logFile] || undefined,
  };
}
