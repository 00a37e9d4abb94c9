import { describe, expect, it } from "vitest";
import { createFaults, FAULT_POINTS } from "./faults.ts";

describe("fault points", () => {
  it("fire only the armed points", () => {
    const fired: string[] = [];
    const faults = createFaults("after-create, after-status", () => fired.push("kill"));
    for (const p of FAULT_POINTS) faults(p);
    expect(fired).toHaveLength(2);
    expect(FAULT_POINTS.length).toBeGreaterThanOrEqual(6);
  });

  it("do nothing when unset", () => {
    const faults = createFaults(undefined, () => {
      throw new Error("must not fire");
    });
    for (const p of FAULT_POINTS) faults(p);
  });
});
