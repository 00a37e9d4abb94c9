import { describe, expect, it } from "vitest";
import { COUNTER_NAMED_GAUGES, createRegistry } from "./process-registry.ts";

const typesOf = (text: string) =>
  new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));

describe("the process registry", () => {
  it("serves prom-client's process and Node.js metrics under their stock, unprefixed names", async () => {
    const types = typesOf(await createRegistry({ processMetrics: true }).metrics());
    expect(types.get("process_cpu_seconds_total")).toBe("counter");
    expect(types.get("process_resident_memory_bytes")).toBe("gauge");
    expect(types.get("nodejs_heap_size_used_bytes")).toBe("gauge");
    for (const name of types.keys()) expect(name).toMatch(/^(process|nodejs)_/);
  });

  it("exposes the gauges prom-client names like counters as untyped, and no other gauge ending in _total", async () => {
    const types = typesOf(await createRegistry({ processMetrics: true }).metrics());
    for (const name of COUNTER_NAMED_GAUGES) expect(types.get(name)).toBe("untyped");
    const gaugesNamedLikeCounters = [...types].filter(
      ([n, t]) => n.endsWith("_total") && t !== "counter" && t !== "untyped",
    );
    expect(gaugesNamedLikeCounters).toEqual([]);
    expect(types.get("nodejs_active_handles")).toBe("gauge");
  });

  it("collects nothing when asked not to", async () => {
    expect((await createRegistry({ processMetrics: false }).metrics()).trim()).toBe("");
  });
});
