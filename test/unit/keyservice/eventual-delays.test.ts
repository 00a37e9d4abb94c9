// The contract's stated delays ("Eventual parts" in schemas/keys-api.openapi.yaml) are the service's: the
// numbers are read from the document and held to the service's defaults and its cache's behaviour. The
// cross-node delay is measured against the same number in test/e2e/keyservice/three-nodes.test.ts.
import { describe, expect, it } from "vitest";
import { SERVICE_DEFAULTS } from "../../../keyservice/key-service.ts";
import type { KeyRecord } from "../../../keyservice/keys/key-record.ts";
import { KeyCache } from "../../../keyservice/service/key-cache.ts";
import { readStatedDelays } from "../../harness/stated-delays.ts";

const { figures: stated, prose } = readStatedDelays();

describe("the contract's stated delays", () => {
  it.each([
    { name: "flush interval", figure: "flush_interval_seconds", serviceMs: SERVICE_DEFAULTS.flushIntervalMs },
    {
      name: "cross-node delay",
      figure: "cross_node_delay_seconds",
      serviceMs: SERVICE_DEFAULTS.cacheSyncIntervalMs,
    },
    { name: "cache lifetime", figure: "cache_lifetime_seconds", serviceMs: SERVICE_DEFAULTS.cacheTtlMs },
  ] as const)(
    "states the service's default $name, in figures and in words",
    ({ name, figure, serviceMs }) => {
      expect(stated[figure]).toBe(serviceMs / 1000);
      const sentence = prose.split("\n- ").find((item) => item.toLowerCase().startsWith(name));
      expect(sentence, `an "Eventual parts" item starting with "${name}"`).toBeDefined();
      expect(sentence).toMatch(new RegExp(`\\b${stated[figure]} seconds?\\b`));
    },
  );

  it("keeps a cached key no longer than the stated cache lifetime", () => {
    const cache = new KeyCache({ ttlMs: SERVICE_DEFAULTS.cacheTtlMs });
    const record = { id: "key_a", digest: "d" } as KeyRecord;
    cache.set(record, 0);
    expect(cache.get("d", stated.cache_lifetime_seconds * 1000 - 1)).toBe(record);
    expect(cache.get("d", stated.cache_lifetime_seconds * 1000)).toBeUndefined();
  });
});
