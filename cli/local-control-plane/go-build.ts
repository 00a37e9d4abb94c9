// Builds pinned Go programs from a wrapper module (a go.mod + go.sum that pins one upstream module) into a
// cache keyed by name and version. The local control plane of `ayra-keys dev` and the test counterparts are
// built this one way, so a build made for either serves both.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface GoProgram {
  /** Cache entry name (and, by convention, the wrapper module folder's name). */
  name: string;
  version: string;
  /** The wrapper module folder: where `go build` runs. */
  moduleDir: string;
  /** Go packages to build; each lands in bin/ under its last path element unless `output` is set. */
  packages: string[];
  output?: string;
  tags?: string[];
  ldflags: string[];
  /** What a cold build took on a 2-core machine, for the progress line. */
  coldSeconds: number;
}

/** `go` is needed for a build and is not on PATH. */
export class GoMissingError extends Error {
  constructor(what: string, then: string) {
    super(
      `Go is needed to build ${what} but \`go\` is not on PATH. Install Go 1.26 (https://go.dev/dl/), then ${then}.`,
    );
    this.name = "GoMissingError";
  }
}

/** `go build` failed. */
export class GoBuildError extends Error {
  constructor(name: string, exit: string, output = "") {
    super(`go build for ${name} failed (exit ${exit})${output ? `:\n${output}` : ""}`);
    this.name = "GoBuildError";
  }
}

/** `AYRA_KEYS_CACHE_DIR`, else `$XDG_CACHE_HOME/ayra-keys`, else `~/.cache/ayra-keys`; builds go in `counterparts/`. */
export function cacheRoot(): string {
  const base =
    process.env.AYRA_KEYS_CACHE_DIR ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "ayra-keys");
  return join(base, "counterparts");
}

export function binDir(program: GoProgram): string {
  return join(cacheRoot(), `${program.name}-${program.version}`, "bin");
}

export function outputs(program: GoProgram): string[] {
  return program.output ? [program.output] : program.packages.map((p) => p.slice(p.lastIndexOf("/") + 1));
}

export function isBuilt(program: GoProgram): boolean {
  return outputs(program).every((name) => existsSync(join(binDir(program), name)));
}

export function goOnPath(): boolean {
  return spawnSync("go", ["version"], { stdio: "ignore" }).status === 0;
}

function goEnv(): NodeJS.ProcessEnv {
  // Pinned, reproducible builds: the machine's toolchain only, static binaries.
  return { ...process.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false" };
}

export interface BuildOptions {
  log: (line: string) => void;
  /** Keep go's own output to the error message instead of passing it to this process's stderr. */
  quiet?: boolean;
  /** Stops the build (the go process is killed, nothing is published). */
  signal?: AbortSignal;
  /** Seconds between progress lines (default 15). */
  progressEverySeconds?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds one program into the cache unless another process is building it already (a test run started
 * beside `npm run counterparts`, or a second `npm start`): then waits for that build instead of starting a
 * second one on the same cores.
 */
export async function buildGoProgram(program: GoProgram, options: BuildOptions): Promise<void> {
  const lock = `${dirname(binDir(program))}.building`;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    if (isBuilt(program)) return;
    options.signal?.throwIfAborted();
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(lock, "utf8"));
      } catch {
        continue; // released meanwhile
      }
      if (!Number.isInteger(holder) || holder <= 0) {
        await new Promise((r) => setTimeout(r, 200)); // created, not written yet
        continue;
      }
      if (!alive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      options.log(`${program.name} ${program.version}: waiting for the build in process ${holder}`);
      while (alive(holder) && existsSync(lock) && !options.signal?.aborted)
        await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  try {
    await buildInto(program, options);
  } finally {
    rmSync(lock, { force: true });
  }
}

/** All of a program's binaries appear at once, so an interrupted build never looks done. */
async function buildInto(program: GoProgram, options: BuildOptions): Promise<void> {
  const final = binDir(program);
  const staging = `${final}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const target = program.output ? join(staging, program.output) : `${staging}/`;
  const args = ["build", "-trimpath", "-o", target];
  if (program.tags) args.push("-tags", program.tags.join(","));
  args.push("-ldflags", program.ldflags.join(" "), ...program.packages);

  const started = Date.now();
  const { log } = options;
  log(
    `building ${outputs(program).join(", ")} ${program.version} (a cold build takes about ${program.coldSeconds} s on 2 cores)`,
  );
  const ticker = setInterval(
    () => log(`  … ${program.name}: ${Math.round((Date.now() - started) / 1000)} s`),
    (options.progressEverySeconds ?? 15) * 1000,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const output = options.quiet ? "pipe" : "inherit";
      const child = spawn("go", args, {
        cwd: program.moduleDir,
        env: goEnv(),
        stdio: ["ignore", output, output],
        signal: options.signal,
      });
      let tail = "";
      const keep = (chunk: Buffer) => {
        tail = (tail + chunk.toString("utf8")).slice(-4000);
      };
      child.stdout?.on("data", keep);
      child.stderr?.on("data", keep);
      child.on("error", reject);
      child.on("exit", (code, signal) =>
        code === 0 ? resolve() : reject(new GoBuildError(program.name, String(code ?? signal), tail.trim())),
      );
    });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    clearInterval(ticker);
  }
  rmSync(final, { recursive: true, force: true });
  mkdirSync(dirname(final), { recursive: true });
  renameSync(staging, final);
  log(
    `built ${program.name} ${program.version} in ${Math.round((Date.now() - started) / 1000)} s → ${final}`,
  );
}
