// The Deployment runs the controller with the same heap limits as `ayra-keys controller` sets for itself,
// and gives the container room above them, so a cluster sees the figure the bench measures.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONTROLLER_ENV, CONTROLLER_NODE_FLAGS } from "../../cli/runtime-limits.ts";

interface Container {
  env?: { name: string; value?: string }[];
  resources?: { requests?: { memory?: string }; limits?: { memory?: string } };
}

const root = resolve(import.meta.dirname, "..", "..");
const deployment = parse(readFileSync(join(root, "deploy", "controller", "deployment.yaml"), "utf8")) as {
  spec: { template: { spec: { containers: Container[] } } };
};
const controller = deployment.spec.template.spec.containers[0] as Container;
const mebibytes = (q: string | undefined) => Number(/^(\d+)Mi$/.exec(q ?? "")?.[1] ?? Number.NaN);

describe("the controller Deployment", () => {
  it("sets NODE_OPTIONS to the CLI's runtime limits", () => {
    const options = controller.env?.find((e) => e.name === "NODE_OPTIONS")?.value ?? "";
    expect(options.split(/\s+/).sort()).toEqual([...CONTROLLER_NODE_FLAGS].sort());
  });

  it("sets the environment the CLI sets for itself", () => {
    for (const [name, value] of Object.entries(CONTROLLER_ENV))
      expect(controller.env?.find((e) => e.name === name)?.value).toBe(value);
  });

  it("limits memory above the heap cap, and requests what the controller needs", () => {
    const heapCap = Number(
      CONTROLLER_NODE_FLAGS.find((f) => f.startsWith("--max-old-space-size="))?.split("=")[1],
    );
    const limit = mebibytes(controller.resources?.limits?.memory);
    const request = mebibytes(controller.resources?.requests?.memory);
    expect(limit).toBeGreaterThan(heapCap + 64);
    expect(request).toBeGreaterThanOrEqual(100);
    expect(request).toBeLessThan(limit);
  });
});
