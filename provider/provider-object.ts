// The object Pulumi serializes into every ApiKey's `__provider` input and revives in the engine's provider
// process. Its methods touch only their arguments, globals (`process`) and one captured string — the absolute
// path of the runtime module — so the serialized text holds no credential, no key, no module of the program,
// and survives any transform of the module that defines it (tests run it through vitest's). The runtime is
// loaded inside the provider process with require(), which loads ES modules on Node ≥ 22.12.
import { fileURLToPath } from "node:url";
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderRuntime } from "./runtime/index.ts";

type RuntimeModule = typeof import("./runtime/index.ts");
type ConfigureRequest = pulumi.dynamic.ConfigureRequest;

/** The provider object; after `configure` it holds the runtime's methods. */
export type ApiKeyProvider = pulumi.dynamic.ResourceProvider;

// Source in development and tests, compiled JavaScript when installed.
const EXTENSION = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
export const RUNTIME_MODULE: string = fileURLToPath(new URL(`./runtime/index${EXTENSION}`, import.meta.url));

export function createApiKeyProvider(runtimeModule: string): ApiKeyProvider {
  // Serialized with the two methods below; see the header before adding anything it reaches. It turns on Node's
  // compile cache (in the temp dir: it spares each provider process most of the runtime's load time), loads the
  // runtime and lets it install its methods on the revived object. The host calls `configure` before any other
  // method, so only `configure` and `create` (which the SDK's types require) are serialized: every ApiKey's
  // state carries this text twice (inputs and outputs), and the engine rewrites the state after every step.
  function install(self: ApiKeyProvider, config?: ConfigureRequest["config"]): ProviderRuntime {
    const module = process.getBuiltinModule("node:module");
    module.enableCompileCache?.();
    const runtime = module.createRequire(runtimeModule)(runtimeModule) as RuntimeModule;
    // The engine starts a provider process with its own RPC address first: warnings go there.
    return runtime.installProviderRuntime(self, { config, env: process.env, engineAddress: process.argv[2] });
  }
  return {
    async configure(req) {
      install(this, req.config);
    },
    async create(inputs) {
      return install(this).create(inputs);
    },
  };
}

/**
 * One provider object for every ApiKey: the SDK caches the serialized text per object, so the (slow, inspector
 * based) serialization runs once per program, and every ApiKey of a stack shares one provider process.
 */
export const apiKeyProvider: ApiKeyProvider = createApiKeyProvider(RUNTIME_MODULE);
