// The controller's memory limits, the same on every host. V8 sizes its heap from the host's memory: on a
// 24 GiB machine the old generation may grow to 4 GiB before it must collect and the young generation to
// 16 MiB semi-spaces, so the same controller measured twice the RSS it had on a small machine. Fixed
// limits make the figure a property of the controller, not of the node it lands on.
//
// `ayra-keys controller` re-executes itself in place (same pid, same stdio, signals unchanged) with these
// flags unless they were already given, on the command line or in NODE_OPTIONS, which always win.

/** Node flags the controller runs with; see deploy/deployment.yaml for the matching container limits. */
export const CONTROLLER_NODE_FLAGS: readonly string[] = [
  "--max-old-space-size=128",
  "--max-semi-space-size=1",
];

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

function optionName(flag: string): string {
  return (flag.split("=")[0] ?? flag).replaceAll("_", "-");
}

/**
 * Re-executes the current process with the controller's flags if some are missing; returns only when
 * nothing needed changing or the platform cannot replace a process (then the limits are the host's).
 */
export function ensureControllerRuntimeLimits(): void {
  const missing = missingFlags(CONTROLLER_NODE_FLAGS, {
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
  });
  if (missing.length === 0 || typeof process.execve !== "function") return;
  process.execve(
    process.execPath,
    [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
}
