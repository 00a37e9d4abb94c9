// Killing the Pulumi engine from outside, as a crash would: the CLI this test process started (found under it by
// its command line) and every process under it — the dynamic provider among them — are SIGKILLed by pid.
import { readdirSync, readFileSync } from "node:fs";

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

/** Every live process under `root`, children before grandchildren. */
export function descendantsOf(root: number): number[] {
  const pids = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const children = pids.filter((pid) => frontier.includes(parentOf(pid) ?? -1));
    found.push(...children);
    frontier = children;
  }
  return found;
}

export function commandLineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** Running (a zombie waiting for a reaper counts as gone: it holds no resources and runs no code). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** SIGKILL the engine first (so it writes nothing more), then everything it had started. */
export function killEngineTree(cliPid: number): number[] {
  const tree = descendantsOf(cliPid);
  for (const pid of [cliPid, ...tree]) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return [cliPid, ...tree];
}

/** The Pulumi CLI running `operation` (e.g. "up") that this test process started. */
export function engineRunning(operation: string): number {
  const found = descendantsOf(process.pid).filter((pid) => {
    const argv = commandLineOf(pid);
    return /(^|\/)pulumi$/.test(argv[0] ?? "") && argv.includes(operation);
  });
  if (found.length !== 1)
    throw new Error(`expected one running \`pulumi ${operation}\`, found ${found.length}`);
  return found[0] as number;
}
