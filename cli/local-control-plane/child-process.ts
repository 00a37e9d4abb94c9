// A child of the local control plane: its own process group (helpers it spawns die with it), the last lines
// of its output kept for error messages, stopped with SIGTERM then SIGKILL after a grace period.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";

// Children still running when this process exits (a crash, an uncaught error) are killed with it.
const running = new Set<LocalProcess>();
process.once("exit", () => {
  for (const child of running) child.kill();
});

export class LocalProcess {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #log: WriteStream;
  #gone = false;
  readonly exited: Promise<void>;
  readonly name: string;

  constructor(
    name: string,
    command: string,
    args: string[],
    /** The file its whole output is appended to. */
    logFile: string,
  ) {
    this.name = name;
    this.#log = createWriteStream(logFile, { flags: "a", mode: 0o600 });
    this.#child = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.exited = once(this.#child, "exit").then(
      () => {
        this.#gone = true;
        running.delete(this);
      },
      () => {
        this.#gone = true;
        running.delete(this);
      },
    );
    running.add(this);
    this.#child.on("error", (error) => this.#remember(`could not start ${command}: ${error.message}`));
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        this.#log.write(chunk);
        for (const line of chunk.split("\n")) if (line) this.#remember(line);
      });
    }
  }

  get hasExited(): boolean {
    return this.#gone;
  }

  /** Its last lines of output. */
  output(): string {
    return this.#lines.join("\n");
  }

  #remember(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > 30) this.#lines.shift();
  }

  async stop(options: { graceMs: number }): Promise<void> {
    if (!this.#gone) {
      this.#signal("SIGTERM");
      const timer = setTimeout(() => this.#signal("SIGKILL"), options.graceMs);
      await this.exited;
      clearTimeout(timer);
      this.#signal("SIGKILL");
    }
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }

  kill(): void {
    this.#signal("SIGKILL");
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#child.pid === undefined) return;
    try {
      process.kill(-this.#child.pid, signal);
    } catch {
      // The group is already gone.
    }
  }
}
