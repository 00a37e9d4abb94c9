// A Pulumi user's project beside the installed package: a TypeScript program (Automation API, inline program)
// that imports `ayra-keys/pulumi` and its own `@pulumi/pulumi`, its tsconfig, and the dynamic-provider launcher
// the Node.js language host would ship — all resolving modules from the project's node_modules only.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { projectRoot } from "../../harness/controller.ts";

const PROGRAM = `// Creates (up, with the package's policy pack) or revokes (destroy) one Ayra API key; prints what it saw as JSON.
import { createRequire } from "node:module";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { ApiKey, type ApiKeyArgs } from "ayra-keys/pulumi";

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(name + " is not set");
  return value;
}

const args: ApiKeyArgs = {
  displayName: "Installed Package Web",
  environment: "test",
  scopes: ["agents:read"],
  expiresAfter: "30d",
};

export function refusedAtCompileTime(): ApiKey {
  // @ts-expect-error: "staging" is no environment (proves the package's types are in force, not any).
  return new ApiKey("bad", { ...args, environment: "staging" });
}

const program = async () => {
  const key = new ApiKey("web", args);
  return { keyId: key.keyId, secret: key.secret, redacted: key.redacted };
};

const pulumiCommand = await PulumiCommand.get({ root: env("PULUMI_ROOT"), skipVersionCheck: true });
const stack = await LocalWorkspace.createOrSelectStack(
  { stackName: "test", projectName: "installed-ayra-keys", program },
  {
    pulumiCommand,
    workDir: env("PULUMI_WORK_DIR"),
    pulumiHome: env("PULUMI_HOME"),
    projectSettings: {
      name: "installed-ayra-keys",
      runtime: "nodejs",
      backend: { url: env("PULUMI_BACKEND_URL") },
    },
  },
);
await stack.setAllConfig({
  "ayra:apiUrl": { value: env("AYRA_API_URL") },
  "ayra:apiKey": { value: env("AYRA_API_KEY"), secret: true },
});
const require = createRequire(import.meta.url);
const sdks = {
  program: require.resolve("@pulumi/pulumi"),
  package: createRequire(require.resolve("ayra-keys/pulumi")).resolve("@pulumi/pulumi"),
};
if (process.argv[2] === "up") {
  // The package's ready-made policy pack, run by the engine as an analyzer beside the program.
  const output: string[] = [];
  const up = await stack.up({ policyPacks: [env("AYRA_KEYS_POLICY_PACK")], onOutput: (line) => output.push(line) });
  process.stdout.write(
    JSON.stringify({
      changes: up.summary.resourceChanges,
      policies: output
        .join("")
        .split("\\n")
        .filter((line) => line.includes("ayra-keys@")),
      keyId: up.outputs.keyId?.value,
      secretIsSecret: up.outputs.secret?.secret === true,
      redacted: up.outputs.redacted?.value,
      sdks,
    }),
  );
} else {
  const destroyed = await stack.destroy();
  process.stdout.write(JSON.stringify({ changes: destroyed.summary.resourceChanges, sdks }));
}
`;

export interface PulumiProject {
  program: string;
  /** Folder holding pulumi-resource-pulumi-nodejs, for the engine's PATH. */
  launchers: string;
}

/** Writes the program, its tsconfig and the dynamic-provider launcher into the project folder. */
export async function writePulumiProject(dir: string): Promise<PulumiProject> {
  const program = join(dir, "index.ts");
  await writeFile(program, PROGRAM);
  await writeFile(
    join(dir, "tsconfig.json"),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: "es2024",
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          verbatimModuleSyntax: true,
          // The user's own @types/node; this folder installs production dependencies only.
          typeRoots: [join(projectRoot, "node_modules", "@types")],
          types: ["node"],
          skipLibCheck: true,
        },
        files: ["index.ts"],
      },
      null,
      2,
    )}\n`,
  );
  const launchers = join(dir, "launchers");
  await mkdir(launchers);
  const launcher = join(launchers, "pulumi-resource-pulumi-nodejs");
  // What the Node.js language host ships: the program's own SDK runs the dynamic provider.
  await writeFile(
    launcher,
    `#!/bin/sh\nexec node "${join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider", "index.js")}" "$@"\n`,
  );
  await chmod(launcher, 0o755);
  return { program, launchers };
}
