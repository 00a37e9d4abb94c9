// Runs wrk (Debian's package) with a Lua script and reads its figures.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

export async function wrk(options: {
  url: string;
  script: string;
  connections: number;
  seconds: number;
}): Promise<WrkResult> {
  try {
    await run("wrk", ["--version"]).catch((err: { code?: string }) => {
      if (err.code === "ENOENT") throw err;
    });
  } catch {
    throw new Error("wrk is needed for this benchmark: apt-get install -y wrk");
  }
  const { stdout } = await run("wrk", [
    "-t1",
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--latency",
    "-s",
    options.script,
    options.url,
  ]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const p50 = /^\s+50%\s+(\S+)/m.exec(stdout)?.[1] ?? "";
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout)?.[1] ?? "";
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  return { requestsPerSecond: rps, p50Ms: toMs(p50), p99Ms: toMs(p99), non2xx };
}
