import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube/types.ts";
import { LatestWrites } from "./latest.ts";

const obj = (rv: string): KubeObject => ({ metadata: { name: "x", resourceVersion: rv } });

describe("LatestWrites", () => {
  it("serves our write while the cache is older or empty, and the cache once it caught up", () => {
    let now = 0;
    const latest = new LatestWrites<KubeObject>(() => now);
    latest.remember("ns/x", obj("10"));
    expect(latest.pick("ns/x", undefined)?.metadata.resourceVersion).toBe("10");
    expect(latest.pick("ns/x", obj("9"))?.metadata.resourceVersion).toBe("10");
    expect(latest.pick("ns/x", obj("11"))?.metadata.resourceVersion).toBe("11");
    expect(latest.pick("ns/x", obj("9"))?.metadata.resourceVersion).toBe("9");
    latest.remember("ns/x", obj("12"));
    latest.observe("ns/x", obj("12"));
    expect(latest.pick("ns/x", obj("11"))?.metadata.resourceVersion).toBe("11");
    latest.remember("ns/x", obj("13"));
    now = 31_000;
    expect(latest.pick("ns/x", obj("11"))?.metadata.resourceVersion).toBe("11");
  });

  it("lets an event delivered before our write's answer clear the overlay", () => {
    const latest = new LatestWrites<KubeObject>(() => 0);
    latest.remember("ns/x", obj("5"));
    latest.observe("ns/x", obj("6"));
    expect(latest.pick("ns/x", obj("6"))?.metadata.resourceVersion).toBe("6");
  });
});
