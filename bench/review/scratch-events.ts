import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createPulumiStack } from "../../test/harness/pulumi.ts";

const root = join(homedir(), ".cache/ayra-keys/counterparts/pulumi-v3.274.1");
const paths = {
  etcd: "",
  kubeApiserver: "",
  kubectl: "",
  pulumiRoot: root,
  pulumi: join(root, "bin/pulumi"),
  launchers: "/work/main/test/counterparts/launchers",
};

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Record<string, unknown>) {
    return { id: `k-${String(inputs.displayName).length}`, outs: { ...inputs, key: "secretvalue" } };
  },
  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const changed =
      JSON.stringify(olds.scopes) !== JSON.stringify(news.scopes) ||
      olds.displayName !== news.displayName ||
      olds.environment !== news.environment;
    return {
      changes: changed,
      replaces: olds.environment !== news.environment ? ["environment"] : [],
      deleteBeforeReplace: false,
    };
  },
  async update(_id: string, _olds: Record<string, unknown>, news: Record<string, unknown>) {
    return { outs: { ...news, key: "secretvalue2" } };
  },
  async delete() {},
};
class ApiKey extends pulumi.dynamic.Resource {
  constructor(name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, key: undefined },
      { ...opts, additionalSecretOutputs: ["key"] },
      "ayra",
      "ApiKey",
    );
  }
}
let phase = 1;
const ws = await createPulumiStack({
  paths,
  projectName: "scratch",
  stackName: "dev",
  program: async () => {
    new ApiKey("web", {
      displayName: phase === 1 ? "Web" : "Web App",
      environment: "live",
      scopes: phase === 1 ? ["agents:read"] : ["agents:read", "agents:write"],
      expiresAfter: "90d",
    });
    new ApiKey(
      "gone",
      { displayName: "Gone", environment: "test", scopes: ["agents:read"] },
      { retainOnDelete: phase === 1 },
    );
    if (phase === 1) new ApiKey("env", { displayName: "Env", environment: "test", scopes: ["agents:read"] });
    else new ApiKey("env", { displayName: "Env", environment: "live", scopes: ["agents:read"] });
    if (phase === 2)
      new ApiKey("fresh", {
        displayName: "Fresh",
        environment: "live",
        scopes: ["agents:read"],
        description: pulumi.secret("hidden"),
      });
  },
});
try {
  await ws.stack.up();
  phase = 2;
  const events: unknown[] = [];
  await ws.stack.preview({ onEvent: (e) => events.push(e) });
  writeFileSync("/tmp/scratch-events.jsonl", events.map((e) => JSON.stringify(e)).join("\n"));
} finally {
  await ws.dispose();
}
