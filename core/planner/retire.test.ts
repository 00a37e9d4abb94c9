import { describe, expect, it } from "vitest";
import { keysToRetire, nextSweepAt, strayKeysOfDeleted } from "./retire.ts";
import type { KeyRecord } from "./types.ts";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const owner = { clusterId: "c1", namespace: "team-a", name: "web", uid: "uid-1" };

function key(patch: Partial<KeyRecord> & { meta?: Record<string, string | undefined> } = {}): KeyRecord {
  const { meta, ...rest } = patch;
  const metadata: Record<string, string> = {};
  const all = {
    managed_by: "ayra-keys-controller",
    k8s_cluster: "c1",
    k8s_namespace: "team-a",
    k8s_name: "web",
    k8s_uid: "uid-1",
    deletion_policy: "Revoke",
    ...meta,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) metadata[k] = v;
  return {
    id: "key_1",
    status: "active",
    name: "Web",
    environment: "test",
    scopes: ["agents:read"],
    redacted: "sk_test_abc123...WXYZ",
    createdAt: T0,
    expiresAt: null,
    rolledFrom: null,
    metadata,
    ...rest,
  };
}

describe("keysToRetire", () => {
  it.each([
    { name: "revokes the live keys of a deleted ApiKey", spec: {}, keys: [key()], expected: ["key_1"] },
    {
      name: "keeps every key when the ApiKey said Retain",
      spec: { deletionPolicy: "Retain" },
      keys: [key()],
      expected: [],
    },
    { name: "skips keys already revoked", spec: {}, keys: [key({ status: "revoked" })], expected: [] },
    {
      name: "never touches a key whose metadata names another cluster",
      spec: {},
      keys: [key({ meta: { k8s_cluster: "c2" } })],
      expected: [],
    },
  ])("$name", ({ spec, keys, expected }) => {
    expect(keysToRetire(owner, spec, keys)).toEqual(expected);
  });
});

describe("strayKeysOfDeleted", () => {
  const scope = { clusterId: "c1", namespace: "team-a", exists: () => false, listedAt: T0 + 1000 };
  it.each([
    { name: "revokes a live key whose ApiKey no longer exists", scope, keys: [key()], expected: ["key_1"] },
    {
      name: "revokes nothing when the cluster id is a fallback",
      scope: { ...scope, clusterId: undefined },
      keys: [key()],
      expected: [],
    },
    {
      name: "leaves keys of ApiKeys that exist",
      scope: { ...scope, exists: () => true },
      keys: [key()],
      expected: [],
    },
    {
      name: "leaves keys in namespaces it does not watch",
      scope,
      keys: [key({ meta: { k8s_namespace: "team-b" } })],
      expected: [],
    },
    {
      name: "never revokes a key that recorded Retain",
      scope,
      keys: [key({ meta: { deletion_policy: "Retain" } })],
      expected: [],
    },
    {
      name: "never revokes a key minted before deletion policies were recorded",
      scope,
      keys: [key({ meta: { deletion_policy: undefined } })],
      expected: [],
    },
    {
      name: "leaves a key minted after the relist began",
      scope,
      keys: [key({ createdAt: T0 + 2000 })],
      expected: [],
    },
    {
      name: "sweeps every namespace when it watches all of them",
      scope: { ...scope, namespace: undefined },
      keys: [key({ meta: { k8s_namespace: "team-b" } })],
      expected: ["key_1"],
    },
  ])("$name", ({ scope, keys, expected }) => {
    expect(strayKeysOfDeleted(scope, keys)).toEqual(expected);
  });
});

describe("nextSweepAt", () => {
  const scope = { clusterId: "c1", namespace: "team-a", exists: () => false, listedAt: T0 + 1000 };
  it.each([
    { name: "answers null when no key was left for its age", keys: [key()], expected: null },
    {
      name: "sweeps again just after the youngest key left for its age is old enough",
      keys: [key({ createdAt: T0 + 2000 }), key({ id: "key_2", createdAt: T0 + 3000 })],
      expected: T0 + 3000 + 10_000 + 1,
    },
    {
      name: "ignores young keys whose ApiKey exists",
      keys: [key({ createdAt: T0 + 2000, meta: { k8s_uid: "alive" } })],
      expected: null,
      exists: (uid: string) => uid === "alive",
    },
  ])("$name", ({ keys, expected, exists }) => {
    const s = exists ? { ...scope, exists } : scope;
    expect(nextSweepAt(s, keys, 10_000)).toBe(expected);
    // A sweep at that instant (its scope starts the margin earlier) takes every one of them.
    if (expected !== null)
      expect(strayKeysOfDeleted({ ...s, listedAt: expected - 10_000 }, keys)).toHaveLength(keys.length);
  });
});
