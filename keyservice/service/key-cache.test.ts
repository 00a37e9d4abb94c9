import { describe, expect, it } from "vitest";
import type { KeyRecord } from "../keys/key-record.ts";
import { KeyCache } from "./key-cache.ts";

const record = { id: "key_a", digest: "d1", status: "active" } as KeyRecord;

describe("the key cache", () => {
  it("does not keep a record read before an invalidation (it may predate the change)", () => {
    const cache = new KeyCache({ ttlMs: 60_000 });
    const generation = cache.generation;
    cache.invalidate("key_a"); // a revocation committed while the lookup was in flight
    cache.set(record, 0, generation);
    expect(cache.get("d1", 1)).toBeUndefined();
  });

  it("keeps a record read with no change in between, until invalidated", () => {
    const cache = new KeyCache({ ttlMs: 60_000 });
    cache.set(record, 0, cache.generation);
    expect(cache.get("d1", 1)).toBe(record);
    cache.invalidate("key_a");
    expect(cache.get("d1", 2)).toBeUndefined();
  });
});
