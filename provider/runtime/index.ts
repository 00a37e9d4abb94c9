// The provider runtime: what the serialized ApiKey provider loads inside the engine's provider process. One
// runtime per configured provider instance; it holds the settings and a keys-API client, nothing global.
import { createKeysClient, type KeysClient } from "../../core/client/index.ts";
import { checkInputs } from "./check.ts";
import { type DiffOutcome, diffState, diffSummary } from "./diff.ts";
import { engineWarnings } from "./engine-log.ts";
import { createStrayFinder } from "./keys.ts";
import { createSlot, deleteSlot, type LifecycleContext, readSlot, updateSlot } from "./lifecycle.ts";
import { createProviderLog } from "./log.ts";
import { type ConfigReader, type Env, resolveSettings } from "./settings.ts";
import type { ApiKeyInputs, ApiKeyState } from "./state.ts";

export type { ApiKeyInputs, ApiKeyState } from "./state.ts";
export { API_KEY_TYPE } from "./state.ts";

type Props = Record<string, unknown>;

/** The dynamic provider's methods, in the shapes the Node SDK's dynamic-provider host expects. */
export interface ProviderRuntime {
  check(
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
  diff(id: string, olds: Props, news: Props): Promise<DiffOutcome>;
  create(inputs: Props): Promise<{ id: string; outs: ApiKeyState }>;
  read(id: string, props: Props): Promise<{ id: string; props: ApiKeyState }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs: ApiKeyState }>;
  delete(id: string, props: Props): Promise<void>;
}

export interface RuntimeOptions {
  /** The stack's configuration, as the engine gives it to `configure`. */
  config?: ConfigReader;
  env: Env;
  /** Where warnings go; default: the engine's log at `engineAddress`, else stderr. */
  warn?: (message: string, urn?: string) => void | Promise<void>;
  /** The engine's RPC address, the first argument the engine starts a provider process with. */
  engineAddress?: string;
  fetch?: typeof fetch;
}

const USER_AGENT = `ayra-keys-pulumi node/${process.versions.node}`;

// The engine's values arrive as plain objects; check produced them, so they have the checked shapes.
const asInputs = (props: Props) => props as unknown as ApiKeyInputs;
const asState = (props: Props) => props as unknown as ApiKeyState;

export function createProviderRuntime(options: RuntimeOptions): ProviderRuntime {
  const settings = resolveSettings(options.config, options.env);
  const log = createProviderLog({ file: settings.logFile, now: settings.now });
  const warn =
    options.warn ??
    (options.engineAddress
      ? engineWarnings(options.engineAddress)
      : (message: string) => {
          process.stderr.write(`warning: ${message}\n`);
        });
  let client: KeysClient | undefined;
  const ctx: LifecycleContext = {
    strays: createStrayFinder(() => ctx.client()),
    settings,
    log,
    warn,
    client: () => {
      if (client !== undefined) return client;
      if ("missing" in settings.credentials) throw new Error(settings.credentials.missing);
      client = createKeysClient({
        baseUrl: settings.credentials.apiUrl,
        apiKey: settings.credentials.apiKey,
        userAgent: USER_AGENT,
        now: settings.now,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        onRequest: (info) =>
          log.info("keys API call", {
            operation: info.operation,
            status: info.status,
            attempt: info.attempt,
            requestId: info.requestId,
            ms: Math.round(info.durationMs),
          }),
      });
      return client;
    },
  };
  let settingsWarned = false;
  return {
    async check(_olds, news) {
      const outcome = checkInputs(news, { now: new Date(settings.now()), hygiene: settings.hygiene });
      const warnings = settingsWarned ? outcome.warnings : [...settings.warnings, ...outcome.warnings];
      settingsWarned = true;
      for (const message of warnings) warn(message);
      return { inputs: outcome.inputs, failures: outcome.failures };
    },
    async diff(_id, olds, news) {
      const now = settings.now();
      // The engine's diff result has no room for a reason: say it where the preview shows the provider's words.
      const summary = diffSummary(asState(olds), news, now);
      if (summary !== undefined) await warn(`ApiKey: ${summary}`, asState(olds).slot);
      return diffState(asState(olds), news, now);
    },
    create: (inputs) => createSlot(ctx, asInputs(inputs)),
    read: (id, props) => readSlot(ctx, id, asState(props)),
    update: (_id, olds, news) => updateSlot(ctx, asState(olds), asInputs(news)),
    delete: (_id, props) => deleteSlot(ctx, asState(props)),
  };
}

/** Creates a runtime and puts its methods on the provider object the engine's host holds (see provider-object.ts). */
export function installProviderRuntime(
  provider: Partial<Record<keyof ProviderRuntime, unknown>>,
  options: RuntimeOptions,
): ProviderRuntime {
  const runtime = createProviderRuntime(options);
  provider.check = runtime.check;
  provider.diff = runtime.diff;
  provider.create = runtime.create;
  provider.read = runtime.read;
  provider.update = runtime.update;
  provider.delete = runtime.delete;
  return runtime;
}
