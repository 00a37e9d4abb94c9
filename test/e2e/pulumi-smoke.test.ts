// Smoke test of the real Pulumi engine: an inline program with one dynamic resource whose output is a
// secret, `up` then `destroy` through the built CLI, the state read back with exportStack().
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, inject, it } from "vitest";
import { createPulumiStack } from "../harness/pulumi.ts";

// Methods touch only their arguments: the engine serializes this object into the provider process.
const echoProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { token: string }) {
    return { id: `echo-${inputs.token.length}`, outs: { token: inputs.token, length: inputs.token.length } };
  },
};

class Echo extends pulumi.dynamic.Resource {
  declare readonly token: pulumi.Output<string>;
  declare readonly length: pulumi.Output<number>;
  constructor(name: string, token: string, opts?: pulumi.CustomResourceOptions) {
    super(echoProvider, name, { token, length: undefined }, { ...opts, additionalSecretOutputs: ["token"] });
  }
}

describe("the real Pulumi CLI", () => {
  it("runs up and destroy of a dynamic resource and keeps its output only as a secret", async () => {
    const token = `smoke-${randomBytes(16).toString("hex")}`;
    const ws = await createPulumiStack({
      paths: inject("counterparts"),
      projectName: "smoke",
      program: async () => {
        const echo = new Echo("echo", token);
        return { length: echo.length, token: echo.token };
      },
    });
    try {
      const output: string[] = [];
      const up = await ws.stack.up({ onOutput: (line) => output.push(line) });
      expect(up.summary.result).toBe("succeeded");
      expect(up.summary.resourceChanges?.create).toBe(2); // the stack and the resource
      expect(up.outputs.length?.value).toBe(token.length);
      expect(up.outputs.token?.secret).toBe(true);

      const state = await ws.stack.exportStack();
      const resource = state.deployment.resources.find((r: { type: string }) => r.type.includes("dynamic:Resource"));
      expect(resource?.outputs?.token).toHaveProperty("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270");
      expect(resource?.outputs?.token).toHaveProperty("ciphertext");
      expect(JSON.stringify(state)).not.toContain(token);
      expect(output.join("\n")).not.toContain(token);

      const destroy = await ws.stack.destroy();
      expect(destroy.summary.result).toBe("succeeded");
      const after = await ws.stack.exportStack();
      expect(after.deployment.resources ?? []).toHaveLength(0);
    } finally {
      await ws.dispose();
    }
  });
});
