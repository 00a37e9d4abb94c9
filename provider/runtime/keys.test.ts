import { describe, expect, it } from "vitest";
import type { KeysClient } from "../../core/client/index.ts";
import {
  createBody,
  createStrayFinder,
  expiryFor,
  metadataFor,
  sameSlotMetadata,
  slotValue,
} from "./keys.ts";
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
        managed_by: "ayra-keys-pulumi",
        pulumi_urn: slot,
        pulumi_stack: "urn:pulumi:dev::shop",
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
  const stack = "urn:pulumi:dev::shop";
  /** A keys API holding `keys`, answering list filters on metadata the way the service does. */
  function clientWith(keys: { id: string; metadata: Record<string, string> }[], queries: unknown[]) {
    return {
      async *listAllKeys(query: { metadata: Record<string, string> }) {
        queries.push(query);
        const filters = Object.entries(query.metadata);
        yield* keys.filter((key) => filters.every(([name, value]) => key.metadata[name] === value));
      },
    } as unknown as KeysClient;
  }

  it("lists the stack's active keys once per process and never calls a key it minted a stray", async () => {
    const other = `${slot}-2`;
    const keys = [
      { id: "key_stray", metadata: { pulumi_stack: stack, pulumi_urn: slot } },
      { id: "key_current", metadata: { pulumi_stack: stack, pulumi_urn: slot } },
      { id: "key_mine", metadata: { pulumi_stack: stack, pulumi_urn: slot } },
      { id: "key_other", metadata: { pulumi_stack: stack, pulumi_urn: other } },
    ];
    const queries: unknown[] = [];
    const finder = createStrayFinder(() => clientWith(keys, queries));
    finder.minted("key_mine");
    expect(await finder.strays(slot, ["key_current"])).toEqual(["key_stray"]);
    expect(await finder.strays(other, [])).toEqual(["key_other"]);
    expect(queries).toEqual([
      { metadata: { pulumi_stack: stack }, status: "active", limit: 100 },
      { metadata: { "pulumi-stack": stack }, status: "active", limit: 100 },
    ]);
  });

  it("finds a key minted with the legacy spelling as this slot's stray", async () => {
    const keys: { id: string; metadata: Record<string, string> }[] = [
      {
        id: "key_legacy",
        metadata: { "managed-by": "ayra-keys-pulumi", "pulumi-stack": stack, "pulumi-urn": slot },
      },
      { id: "key_legacy_other", metadata: { "pulumi-stack": stack, "pulumi-urn": `${slot}-2` } },
      { id: "key_current", metadata: { pulumi_stack: stack, pulumi_urn: slot } },
    ];
    const finder = createStrayFinder(() => clientWith(keys, []));
    expect(await finder.strays(slot, ["key_current"])).toEqual(["key_legacy"]);
  });

  it("never counts the slot's own key as a stray, whichever spelling it carries", async () => {
    const keys = [{ id: "key_own", metadata: { "pulumi-stack": stack, "pulumi-urn": slot } }];
    const finder = createStrayFinder(() => clientWith(keys, []));
    expect(await finder.strays(slot, ["key_own"])).toEqual([]);
  });
});

describe("metadata of a kept or rolled key", () => {
  it.each<{ name: string; actual: Record<string, string>; same: boolean }>([
    {
      name: "a key minted with the legacy spelling still says what the slot wants",
      actual: {
        "managed-by": "ayra-keys-pulumi",
        "pulumi-urn": slot,
        "pulumi-stack": "urn:pulumi:dev::shop",
      },
      same: true,
    },
    {
      name: "a key of another slot does not",
      actual: {
        "managed-by": "ayra-keys-pulumi",
        "pulumi-urn": `${slot}-2`,
        "pulumi-stack": "urn:pulumi:dev::shop",
      },
      same: false,
    },
    {
      name: "a changed owner does not",
      actual: { ...metadataFor(inputs), owner: "someone-else" },
      same: false,
    },
  ])("$name", ({ actual, same }) => {
    expect(sameSlotMetadata(actual, metadataFor(inputs))).toBe(same);
  });
});
