// Smoke test of the real Pulumi engine: an inline program with one dynamic resource whose output is a
// secret, `up` then `destroy` through the built CLI, the state read back with exportStack().
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
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
  constructor(name: string, token: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions) {
    super(echoProvider, name, { token, length: undefined }, { ...opts, additionalSecretOutputs: ["token"] });
  }
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";

/** True when `value` occurs anywhere in `node` except inside a Pulumi secret envelope. */
function plaintextOutsideSecrets(node: unknown, value: string): boolean {
  if (typeof node === "string") return node.includes(value);
  if (Array.isArray(node)) return node.some((item) => plaintextOutsideSecrets(item, value));
  if (node && typeof node === "object") {
    const record = node as Record<string, unknown>;
    if (record[SECRET_SIG] === SECRET_MARK) return false;
    return Object.values(record).some((item) => plaintextOutsideSecrets(item, value));
  }
  return false;
}

describe("the real Pulumi CLI", () => {
  it("runs up and destroy of a dynamic resource and keeps its output only as a secret", async () => {
    const token = `smoke-${randomBytes(16).toString("hex")}`;
    const ws = await createPulumiStack({
      paths: inject("counterparts"),
      projectName: "smoke",
      program: async () => {
        const echo = new Echo("echo", pulumi.secret(token));
        return { length: echo.length, token: echo.token };
      },
    });
    try {
      const output: string[] = [];
      const upStarted = performance.now();
      const up = await ws.stack.up({ onOutput: (line) => output.push(line) });
      const upMs = performance.now() - upStarted;
      expect(up.summary.result).toBe("succeeded");
      expect(up.summary.resourceChanges?.create).toBe(2); // the stack and the resource
      expect(up.outputs.length?.value).toBe(token.length);
      expect(up.outputs.token?.secret).toBe(true);

      // exportStack() decrypts (the Automation API passes --show-secrets): the value must sit in a secret envelope.
      const state = await ws.stack.exportStack();
      const resource = state.deployment.resources.find((r: { type: string }) =>
        r.type.includes("dynamic:Resource"),
      );
      expect(resource?.outputs?.token).toEqual({
        [SECRET_SIG]: SECRET_MARK,
        plaintext: JSON.stringify(token),
      });
      expect(plaintextOutsideSecrets(state, token)).toBe(false);
      // On disk the envelope holds only ciphertext.
      const onDisk = await readFile(join(ws.backendDir, ".pulumi", "stacks", "smoke", "test.json"), "utf8");
      expect(onDisk).toContain("ciphertext");
      expect(onDisk).not.toContain(token);
      expect(output.join("\n")).not.toContain(token);

      const destroyStarted = performance.now();
      const destroy = await ws.stack.destroy();
      process.stderr.write(
        `[pulumi smoke] up ${Math.round(upMs)} ms, destroy ${Math.round(performance.now() - destroyStarted)} ms\n`,
      );
      expect(destroy.summary.result).toBe("succeeded");
      const after = await ws.stack.exportStack();
      expect(after.deployment.resources ?? []).toHaveLength(0);
    } finally {
      await ws.dispose();
    }
  });
});
