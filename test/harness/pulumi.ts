// The real Pulumi CLI for tests, driven through the Automation API with inline programs (the Node.js
// language host cannot be built here; an inline program serves the language runtime from this process).
// Each workspace gets its own file backend, PULUMI_HOME and passphrase in a temp dir.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LocalWorkspace, PulumiCommand, type PulumiFn, type Stack } from "@pulumi/pulumi/automation/index.js";
import type { CounterpartPaths } from "../counterparts/build.ts";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface PulumiStackOptions {
  paths: CounterpartPaths;
  projectName: string;
  stackName?: string;
  program: PulumiFn;
  /** Passed to the CLI and, through it, to every provider process the engine starts. */
  env?: Record<string, string>;
}

export interface PulumiStack {
  stack: Stack;
  backendDir: string;
  passphrase: string;
  /** The environment the CLI runs with (for tests that start it themselves). */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/** PATH for the engine: the built CLI, the dynamic-provider launcher, and this project's Node 24. */
export function pulumiPath(paths: CounterpartPaths): string {
  return [
    dirname(paths.pulumi),
    paths.launchers,
    join(projectRoot, "node_modules", ".bin"),
    dirname(process.execPath),
    process.env.PATH ?? "",
  ].join(delimiter);
}

export async function createPulumiStack(options: PulumiStackOptions): Promise<PulumiStack> {
  const dir = await mkdtemp(join(tmpdir(), "ayra-keys-pulumi-"));
  const backendDir = join(dir, "state");
  await mkdir(backendDir, { recursive: true });
  const passphrase = randomBytes(16).toString("hex");
  const env: Record<string, string> = {
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_HOME: join(dir, "home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PATH: pulumiPath(options.paths),
    ...options.env,
  };
  const pulumiCommand = await PulumiCommand.get({ root: options.paths.pulumiRoot, skipVersionCheck: true });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: options.stackName ?? "test", projectName: options.projectName, program: options.program },
    {
      pulumiCommand,
      workDir: dir,
      pulumiHome: env.PULUMI_HOME,
      envVars: env,
      projectSettings: {
        name: options.projectName,
        runtime: "nodejs",
        backend: { url: env.PULUMI_BACKEND_URL },
      },
    },
  );
  return {
    stack,
    backendDir,
    passphrase,
    env,
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
