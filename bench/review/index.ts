// bench/review: a change touching 1,000 ApiKey manifests. Figures: the review's time in a fresh
// process (goal ≤ 3 s), the whole CLI run's wall time, and the process's peak memory.
// Run alone with `node bench/review/index.ts`; `npm run bench` calls run().
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { buildChange } from "./change.ts";

const exec = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

type Measured = {
  reviewMs: number;
  totalMs: number;
  rows: number;
  findings: number;
  markdownChars: number;
  jsonBytes: number;
  maxRssMB: number;
};

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function run(): Promise<{ name: string; figures: Record<string, number | string> }> {
  const manifests = 1000;
  const change = await buildChange(manifests);
  try {
    const samples: Measured[] = [];
    const cliMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { stdout } = await exec(process.execPath, [
        here("./measure.ts"),
        change.repo.dir,
        change.base,
        change.head,
      ]);
      samples.push(JSON.parse(stdout) as Measured);
      const started = performance.now();
      await exec(
        process.execPath,
        [
          here("../../cli/main.ts"),
          "review",
          "--base",
          change.base,
          "--head",
          change.head,
          "--output",
          "json",
        ],
        {
          cwd: change.repo.dir,
          maxBuffer: 256 * 1024 * 1024,
        },
      ).catch((error: { code?: number }) => {
        if (error.code !== 1) throw error; // 1: the change has errors, as intended
      });
      cliMs.push(performance.now() - started);
    }
    const first = samples[0] as Measured;
    const reviewMs = median(samples.map((s) => s.reviewMs));
    return {
      name: "review",
      figures: {
        manifests,
        planRows: first.rows,
        findings: first.findings,
        reviewMs: Math.round(reviewMs),
        reviewAndRenderMs: Math.round(median(samples.map((s) => s.totalMs))),
        cliWallMs: Math.round(median(cliMs)),
        peakRssMB: Math.round(Math.max(...samples.map((s) => s.maxRssMB))),
        markdownChars: first.markdownChars,
        jsonBytes: first.jsonBytes,
        goalMs: 3000,
        meetsGoal: reviewMs <= 3000 ? "yes" : "no",
      },
    };
  } finally {
    await change.repo.dispose();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await run();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
