// Child processes the harness starts: each in its own process group (so helpers it spawns die with it),
// output kept in a bounded buffer for failure messages, and always stopped — by the test's teardown, or
// at the latest when the test process exits.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** Lines of output kept for error messages. */
  keepLines?: number;
  /** Keep all of stdout and stderr, separately (for tests that scan a process's whole output). */
  capture?: boolean;
}

export interface StopOptions {
  /** How long SIGTERM gets before SIGKILL. */
  graceMs?: number;
}

export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #lines: string[] = [];
  #keep: number;
  #captured: { stdout: string[]; stderr: string[] } | undefined;
  #exitedFlag = false;

  constructor(options: StartOptions) {
    this.name = options.name;
    this.#keep = options.keepLines ?? 200;
    this.#captured = options.capture ? { stdout: [], stderr: [] } : undefined;
    this.child = spawn(options.command, options.args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = once(this.child, "exit").then(([code, signal]) => {
      this.#exitedFlag = true;
      running.delete(this);
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
    this.child.on("error", (err) => this.#remember(`spawn error: ${err.message}`));
    for (const [name, stream] of [
      ["stdout", this.child.stdout],
      ["stderr", this.child.stderr],
    ] as const) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        this.#captured?.[name].push(chunk);
        for (const line of chunk.split("\n")) if (line) this.#remember(line);
      });
    }
    running.add(this);
  }

  get hasExited(): boolean {
    return this.#exitedFlag;
  }

  /** The last lines the process printed, for error messages. */
  output(): string {
    return this.#lines.join("\n");
  }

  /** Everything the process wrote to stdout (with `capture`). */
  stdout(): string {
    return this.#captured?.stdout.join("") ?? "";
  }

  /** Everything the process wrote to stderr (with `capture`). */
  stderr(): string {
    return this.#captured?.stderr.join("") ?? "";
  }

  #remember(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#keep) this.#lines.shift();
  }

  /** SIGTERM to the whole group, SIGKILL after the grace period; resolves when the process is gone. */
  async stop(options: StopOptions = {}): Promise<void> {
    if (this.#exitedFlag) return;
    signalGroup(this.child, "SIGTERM");
    const timer = setTimeout(() => signalGroup(this.child, "SIGKILL"), options.graceMs ?? 5_000);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
    // Helpers the process left behind in its group go too.
    signalGroup(this.child, "SIGKILL");
  }

  /** SIGKILL the whole group at once, as a crash would. */
  async kill(): Promise<void> {
    if (this.#exitedFlag) return;
    signalGroup(this.child, "SIGKILL");
    await this.exited;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

const running = new Set<ManagedProcess>();

// Last resort: a test process that dies without its teardown still takes its children with it.
process.once("exit", () => {
  for (const p of running) signalGroup(p.child, "SIGKILL");
});

export function startProcess(options: StartOptions): ManagedProcess {
  return new ManagedProcess(options);
}
