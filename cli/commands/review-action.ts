// The review as a GitHub Action step (node24): inputs from INPUT_*, the review reported to the pull
// request, the JSON report written to a file, outputs to $GITHUB_OUTPUT, exit 0 / 1 / 2 like the CLI.
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { maskKeyLiterals } from "../../core/domain/key-format.ts";
import { ActionInputError, type ActionInputs, readActionInputs } from "../../review/github/action-inputs.ts";
import { type ActionOutputs, formatOutputs } from "../../review/github/action-outputs.ts";
import { renderJson } from "../../review/render/json.ts";
import { executeReview, REVIEW_EXIT, type ReviewFlags, type ReviewIo } from "./review-run.ts";

function reportPath(inputs: ActionInputs, env: Record<string, string | undefined>, cwd: string): string {
  if (inputs.reportPath !== undefined) return resolve(cwd, inputs.reportPath);
  const step = (env.GITHUB_ACTION ?? "review").replace(/[^\w.-]/g, "_");
  return join(env.RUNNER_TEMP || tmpdir(), `ayra-keys-review-${step}.json`);
}

async function writeOutputs(env: Record<string, string | undefined>, outputs: ActionOutputs): Promise<void> {
  if (env.GITHUB_OUTPUT) await appendFile(env.GITHUB_OUTPUT, formatOutputs(outputs));
}

export async function runReviewAction(io: ReviewIo): Promise<number> {
  const { env } = io;
  let inputs: ActionInputs;
  try {
    inputs = readActionInputs(env);
  } catch (error) {
    if (!(error instanceof ActionInputError)) throw error;
    io.stdout(`::error title=ayra-keys review::${maskKeyLiterals(error.message)}\n`);
    await writeOutputs(env, { conclusion: "error" });
    return REVIEW_EXIT.error;
  }
  const flags: ReviewFlags = {
    output: "markdown",
    github: true,
    pulumiEvents: inputs.pulumiEvents,
    repo: ".",
  };
  if (inputs.failOn !== undefined) flags.failOn = inputs.failOn;
  if (inputs.policy !== undefined) flags.policy = inputs.policy;
  if (inputs.root !== undefined) flags.root = inputs.root;
  if (inputs.kubectl !== undefined) flags.kubectl = inputs.kubectl;
  if (inputs.helm !== undefined) flags.helm = inputs.helm;
  // The token input reaches the GitHub client the way the CLI reads it; an empty one keeps GITHUB_TOKEN.
  const reviewEnv = inputs.token === undefined ? env : { ...env, GITHUB_TOKEN: inputs.token };
  const outcome = await executeReview(inputs.paths, flags, { ...io, env: reviewEnv });
  if (outcome.report === undefined) {
    await writeOutputs(env, { conclusion: "error" });
    return outcome.code;
  }
  const file = reportPath(inputs, env, io.cwd);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, renderJson(outcome.report));
  await writeOutputs(env, {
    conclusion: outcome.report.failed ? "failure" : "success",
    counts: outcome.report.counts,
    report: file,
  });
  return outcome.code;
}
