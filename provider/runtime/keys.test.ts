import { describe, expect, it } from "vitest";
import type { KeysClient } from "../../core/client/index.ts";
import { createBody, createStrayFinder, expiryFor, metadataFor, slotValue } from "./keys.ts";
import type { ApiKeyInputs } from "./state.ts";

const now = Date.parse("2026-01-15T00:00:00Z");
const slot = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/ayra:ApiKey::web";
const inputs: ApiKeyInputs = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  slot,
};

describe("what a new key is asked for", () => {
  it("names the key, its scopes, a fresh lifetime and the slot it belongs to", () => {
    expect(createBody({ ...inputs, owner: "web-team" }, now)).toEqual({
      name: "Production Web Application",
      environment: "live",
      scopes: ["agents:read", "conversations:read"],
      expires_at: "2026-04-15T00:00:00.000Z",
      metadata: {
        "managed-by": "ayra-keys-pulumi",
        "pulumi-urn": slot,
        "pulumi-stack": "urn:pulumi:dev::shop",
        owner: "web-team",
      },
    });
  });

  it.each([
    {
      name: "a lifetime counts from now",
      given: { expiresAfter: "36h" },
      expected: "2026-01-16T12:00:00.000Z",
    },
    {
      name: "a fixed expiry stays fixed",
      given: { expiresAfter: undefined, expiresAt: "2026-03-01T00:00:00.000Z" },
      expected: "2026-03-01T00:00:00.000Z",
    },
    { name: "no expiry is none", given: { expiresAfter: undefined }, expected: null },
  ])("$name", ({ given, expected }) => {
    expect(expiryFor({ ...inputs, ...given }, now)).toBe(expected);
  });

  it("leaves expires_at out of a create for a key that never expires", () => {
    expect(createBody({ ...inputs, expiresAfter: undefined }, now)).not.toHaveProperty("expires_at");
  });

  it("fits long text into the API's 500-character metadata values", () => {
    const metadata = metadataFor({ ...inputs, description: "x".repeat(2000) });
    expect(metadata.description).toHaveLength(500);
    expect(metadata.description?.endsWith("…")).toBe(true);
  });

  it("records a deep URN by digest when it is longer than a metadata value may be", () => {
    expect(slotValue(slot)).toBe(slot);
    const deep = `${slot}${"$component:index:Thing".repeat(30)}`;
    expect(slotValue(deep)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(slotValue(deep)).toBe(slotValue(deep));
  });
});

describe("the stray finder", () => {
  it("lists the stack's active keys once per process and never calls a key it minted a stray", async () => {
    const other = `${slot}-2`;
    const listed = [
      { id: "key_stray", metadata: { "pulumi-urn": slot } },
      { id: "key_current", metadata: { "pulumi-urn": slot } },
      { id: "key_mine", metadata: { "pulumi-urn": slot } },
      { id: "key_other", metadata: { "pulumi-urn": other } },
    ];
    const queries: unknown[] = [];
    const client = {
      async *listAllKeys(query: unknown) {
        queries.push(query);
        yield* listed;
      },
    } as unknown as KeysClient;
    const finder = createStrayFinder(() => client);
    finder.minted("key_mine");
    expect(await finder.strays(slot, ["key_current"])).toEqual(["key_stray"]);
    expect(await finder.strays(other, [])).toEqual(["key_other"]);
    expect(queries).toEqual([
      { metadata: { "pulumi-stack": "urn:pulumi:dev::shop" }, status: "active", limit: 100 },
    ]);
  });
});
