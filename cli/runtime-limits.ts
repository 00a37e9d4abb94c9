// The controller's memory limits, the same on every host. V8 sizes its heap from the host's memory: on a
// 24 GiB machine the old generation may grow to 4 GiB before it must collect and the young generation to
// 16 MiB semi-spaces, so the same controller measured twice the RSS it had on a small machine (241 MB
// against 117 MB at 1,000 ApiKeys, heap used 28 MB either way). glibc's malloc adds one arena per thread
// that allocates (V8's compiler and GC threads, libuv's pool): two arenas are plenty for one event loop.
//
// `ayra-keys controller` re-executes itself in place (same pid, same stdio, signals unchanged) with these
// limits unless they were already given — flags on the command line or in NODE_OPTIONS, the variable in
// the environment — which always win.

/** Node flags the controller runs with; deploy/controller/deployment.yaml sets the same in NODE_OPTIONS. */
export const CONTROLLER_NODE_FLAGS: readonly string[] = [
  "--max-old-space-size=128",
  "--max-semi-space-size=1",
];

/**
 * V8 flags Node refuses in NODE_OPTIONS, so only the re-execution below sets them (in a Pod too: the image's
 * entry point is this CLI). A controller waits on the network, not on the CPU: --optimize-for-size makes V8
 * grow its heap by smaller steps and give memory back sooner, and without the compiler tiers above the
 * interpreter (--no-opt --no-maglev --no-sparkplug) there is no optimized code nor the feedback kept for it.
 * At 1,000 ApiKeys that lowered the high-water mark from ≈ 100 MB to ≈ 84 MB (the /metrics renders after
 * Ready no longer push it over 100) for a few per cent of CPU. (--lite-mode saves the same but turns off
 * WebAssembly, which Node's TypeScript support needs when the controller runs from a checkout.)
 */
export const CONTROLLER_COMMAND_LINE_FLAGS: readonly string[] = [
  "--optimize-for-size",
  "--no-opt",
  "--no-maglev",
  "--no-sparkplug",
];

/** Environment the controller runs with (read by glibc at process start); deploy/controller/deployment.yaml sets the same. */
export const CONTROLLER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/** The flags of `wanted` whose option is not set yet in `execArgv` or `nodeOptions`. */
export function missingFlags(
  wanted: readonly string[],
  given: { execArgv: readonly string[]; nodeOptions?: string | undefined },
): string[] {
  const set = [...given.execArgv, ...(given.nodeOptions ?? "").split(/\s+/)]
    .filter((a) => a.startsWith("--"))
    .map((a) => optionName(a));
  return wanted.filter((flag) => !set.includes(optionName(flag)));
}

/** The variables of `wanted` not set in `env`. */
export function missingEnv(
  wanted: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(wanted).filter(([name]) => env[name] === undefined));
}

function optionName(flag: string): string {
  return (flag.split("=")[0] ?? flag).replaceAll("_", "-");
}

/**
 * Re-executes the current process with the controller's limits if some are missing; returns only when
 * nothing needed changing or the platform cannot replace a process (then the limits are the host's).
 */
export function ensureControllerRuntimeLimits(): void {
  const flags = missingFlags([...CONTROLLER_NODE_FLAGS, ...CONTROLLER_COMMAND_LINE_FLAGS], {
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
  });
  const env = missingEnv(CONTROLLER_ENV, process.env);
  if ((flags.length === 0 && Object.keys(env).length === 0) || typeof process.execve !== "function") return;
  process.execve(
    process.execPath,
    [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)],
    { ...process.env, ...env },
  );
}
