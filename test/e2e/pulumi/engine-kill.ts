// Killing the Pulumi engine at a provider's fault point, as a crash would: the provider records its pid and its
// parent's (the CLI) and stops answering; the test then SIGKILLs the CLI and every process under it, by pid.
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

export interface FaultRecord {
  point: string;
  pid: number;
  ppid: number;
  keyId: string;
}

export async function waitForFault(file: string, timeoutMs = 60_000): Promise<FaultRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (text !== "") return JSON.parse(text) as FaultRecord;
    if (Date.now() > deadline)
      throw new Error(`the provider did not reach its fault point in ${timeoutMs} ms`);
    await sleep(50);
  }
}

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
