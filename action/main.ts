// The GitHub Action's entry: bundled by `npm run build:action` into action/dist/index.mjs, which
// action.yml runs on the runner's own Node 24 (no install step, no change to the job's Node).
import { runReviewAction } from "../cli/commands/review-action.ts";

process.exitCode = await runReviewAction({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
