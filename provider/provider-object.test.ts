// The provider object as the engine's host uses it: revived, configured, then called. (Serialization itself runs
// only in a process with the V8 inspector, so it is checked end to end: test/e2e/pulumi/lifecycle.test.ts.)
import { describe, expect, it } from "vitest";
import { createApiKeyProvider, RUNTIME_MODULE } from "./provider-object.ts";
import { createProviderRuntime } from "./runtime/index.ts";

const slot = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/ayra:ApiKey::web";
const news = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["conversations:read", "agents:read"],
  expiresAfter: "90d",
  slot,
};

describe("the ApiKey provider object", () => {
  it("loads the runtime in place and delegates check and diff to it", async () => {
    const provider = createApiKeyProvider(RUNTIME_MODULE);
    await provider.configure?.({ config: { get: () => undefined, require: () => "" } });
    const checked = await provider.check?.({}, news);
    expect(checked?.failures).toEqual([]);
    expect(checked?.inputs.scopes).toEqual(["agents:read", "conversations:read"]);
    const state = {
      ...checked?.inputs,
      keyId: "key_1",
      status: "active",
      createdAt: new Date().toISOString(),
    };
    expect(await provider.diff?.("id", state, checked?.inputs)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("says which credentials are missing when the keys API is needed, not before", async () => {
    const runtime = createProviderRuntime({ env: {}, warn: () => {} });
    expect((await runtime.check({}, news)).failures).toEqual([]);
    await expect(runtime.create(news)).rejects.toThrow(/no keys API credentials: set ayra:apiUrl/);
  });

  it("points at a runtime module that exists next to it", () => {
    expect(RUNTIME_MODULE).toMatch(/provider\/runtime\/index\.(ts|js)$/);
  });
});
