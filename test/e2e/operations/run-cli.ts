// Runs the real CLI (`node cli/main.ts …`) against the test keys service, as a person or a script would.
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";

const cliMain = join(resolve(import.meta.dirname, "..", "..", ".."), "cli", "main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [cliMain, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? "");
  });
}
