// The published package as a user gets it: `npm run build` and `npm pack` of this checkout, the
// tarball installed into an empty folder with production dependencies only — the command the Dockerfile runs
// — and the installed `ayra-keys` command run on this project's Node 24.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

const projectRoot = resolve(import.meta.dirname, "..", "..", "..");

/** `npm install` flags of the image (Dockerfile): no dev dependencies, no peers (the command needs none). */
export const PRODUCTION_INSTALL = ["--omit=dev", "--omit=peer"] as const;
const QUIET = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"] as const;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** npm's own environment without what an enclosing npm/npx run sets (its prefix, its lifecycle event). */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.toLowerCase().startsWith("npm_") || name.toLowerCase() === "npm_config_cache")
      env[name] = value;
  return env;
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number | string }).code ?? 1) || 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function npm(args: readonly string[], cwd: string, timeoutMs: number): Promise<string> {
  const result = await run("npm", args, { cwd, env: npmEnv(), timeoutMs });
  if (result.code !== 0)
    throw new Error(`npm ${args.join(" ")} failed (exit ${result.code}):\n${result.stderr.slice(-4000)}`);
  return result.stdout;
}

export interface PackedTarball {
  path: string;
  /** Every path in the tarball, relative to the package root. */
  files: string[];
}

/** `npm run build` then `npm pack` of the checkout into `destination`, as the Dockerfile's build stage does. */
export async function packProject(destination: string): Promise<PackedTarball> {
  await npm(["run", "build"], projectRoot, 300_000);
  const out = await npm(
    ["pack", "--ignore-scripts", "--json", "--pack-destination", destination],
    projectRoot,
    120_000,
  );
  const report = JSON.parse(out) as {
    filename: string;
    files: { path: string }[];
  }[];
  const packed = report[0];
  if (!packed) throw new Error(`npm pack reported nothing:\n${out}`);
  return { path: join(destination, packed.filename), files: packed.files.map((f) => f.path) };
}

/** Installs `specs` into `dir` (a folder with a package.json of its own) with npm's flags. */
export async function npmInstall(
  dir: string,
  specs: readonly string[],
  flags: readonly string[],
): Promise<void> {
  await npm(["install", ...flags, ...QUIET, ...specs], dir, 300_000);
}

/** An empty project folder: its own package.json, so npm installs here and nowhere above. */
export async function emptyProject(dir: string): Promise<void> {
  await writeFile(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "installed-ayra-keys", private: true, type: "module" }, null, 2)}\n`,
  );
}

/** The installed command, run as npm links it, on this project's Node 24. */
export function binPath(dir: string): string {
  return join(dir, "node_modules", ".bin", "ayra-keys");
}

export function runBin(
  dir: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return run(process.execPath, [binPath(dir), ...args], {
    cwd: options.cwd ?? dir,
    env: options.env ?? process.env,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
}
