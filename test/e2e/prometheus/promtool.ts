// promtool (built from github.com/prometheus/prometheus cmd/promtool by the counterparts build) run as a user
// runs it: arguments, optional stdin, and the exit code with both streams.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { inject } from "vitest";

export const projectRoot = resolve(import.meta.dirname, "..", "..", "..");
export const prometheusDir = resolve(projectRoot, "deploy", "prometheus");

export interface PromtoolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function promtool(
  args: string[],
  options: { input?: string; cwd?: string } = {},
): Promise<PromtoolResult> {
  const child = spawn(inject("counterparts").promtool, args, {
    cwd: options.cwd ?? projectRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  child.stdin.end(options.input ?? "");
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/** `promtool check metrics` over a /metrics body: passes only with exit 0 and nothing reported. */
export async function checkMetrics(text: string): Promise<PromtoolResult> {
  return promtool(["check", "metrics"], { input: text });
}

/** Metric family names in a Prometheus text exposition (from its TYPE lines). */
export function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1] as string, m[2] as string);
  return out;
}

/** The value of the sample of `name` with exactly these labels, or undefined when there is none. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = [...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map((l) => [l[1] as string, l[2] as string] as const)
      .sort(([a], [b]) => a.localeCompare(b));
    if (JSON.stringify(got) === JSON.stringify(want)) return Number(m[3]);
  }
  return undefined;
}
