import { resolve } from "node:path";
import { Command, Option } from "commander";
import { maskKeyLiterals } from "../../core/domain/key-format.ts";
import { FAIL_ON_VALUES, type FailOn } from "../../core/review/index.ts";
import { GitError, GitRefError } from "../../review/git.ts";
import { type GitHubContext, GitHubContextError, readGitHubContext } from "../../review/github/context.ts";
import { GitHubAuthError } from "../../review/github/identity.ts";
import { publishToGitHub } from "../../review/github/publish.ts";
import { renderAnnotations } from "../../review/render/annotations.ts";
import { renderJson } from "../../review/render/json.ts";
import { renderMarkdown } from "../../review/render/markdown.ts";
import { ReviewInputError, runReview } from "../../review/review.ts";

export type ReviewOutput = "markdown" | "json" | "annotations";

export interface ReviewFlags {
  base?: string;
  head?: string;
  output: ReviewOutput;
  github?: boolean;
  pulumiEvents: string[];
  policy?: string;
  failOn?: FailOn;
  root?: string;
  repo: string;
}

export type ReviewIo = {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
};

/** Exit codes: 0 passed, 1 a finding reached the threshold, 2 the review could not run. */
export const REVIEW_EXIT = { passed: 0, failed: 1, error: 2 } as const;

const KNOWN_ERRORS = [ReviewInputError, GitRefError, GitError, GitHubContextError, GitHubAuthError];

export async function runReviewCommand(paths: string[], flags: ReviewFlags, io: ReviewIo): Promise<number> {
  try {
    let github: GitHubContext | undefined;
    if (flags.github) github = readGitHubContext(io.env);
    const base = flags.base ?? github?.baseSha;
    const head = flags.head ?? github?.headSha ?? (base !== undefined ? "HEAD" : undefined);
    const report = await runReview({
      cwd: resolve(io.cwd, flags.repo),
      base,
      head,
      paths,
      pulumiEvents: flags.pulumiEvents,
      policyFile: flags.policy === undefined ? undefined : resolve(io.cwd, flags.policy),
      failOn: flags.failOn,
      root: flags.root,
    });
    if (flags.output === "json") io.stdout(renderJson(report));
    else if (flags.output === "annotations") io.stdout(renderAnnotations(report));
    else io.stdout(renderMarkdown(report));
    if (github !== undefined) {
      // The runner reads workflow commands on both streams; keep stdout parseable under --output json.
      const commands = flags.output === "json" ? io.stderr : io.stdout;
      await publishToGitHub(
        report,
        github,
        { commands, stderr: io.stderr },
        {
          annotationsPrinted: flags.output === "annotations",
        },
      );
    }
    return report.failed ? REVIEW_EXIT.failed : REVIEW_EXIT.passed;
  } catch (error) {
    const known = KNOWN_ERRORS.some((type) => error instanceof type);
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`ayra-keys review: ${maskKeyLiterals(known ? message : `unexpected failure: ${message}`)}\n`);
    return REVIEW_EXIT.error;
  }
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function reviewCommand(): Command {
  return new Command("review")
    .description(
      "review a change to ApiKey manifests (between two git refs) or a Pulumi preview: the plan per key, policy findings, schema errors at file:line",
    )
    .argument("[paths...]", "manifest files or folders to review (default: the whole repository)")
    .option("--base <ref>", "the ref the change is compared against (its merge base with --head)")
    .option("--head <ref>", "the ref holding the change (default: HEAD)")
    .addOption(
      new Option(
        "--output <format>",
        "markdown for people, json for scripts, annotations for GitHub Actions logs",
      )
        .choices(["markdown", "json", "annotations"])
        .default("markdown"),
    )
    .option(
      "--github",
      "report to the pull request: a sticky comment and a check run (reads GITHUB_EVENT_PATH, GITHUB_TOKEN, GITHUB_REPOSITORY)",
    )
    .option(
      "--pulumi-events <file>",
      "a Pulumi engine event log of a preview (pulumi preview --event-log FILE); repeatable",
      collect,
      [] as string[],
    )
    .option("--policy <file>", "a policy file to use instead of the base ref's .ayra-keys.yaml")
    .addOption(
      new Option(
        "--fail-on <severity>",
        "the least severe finding that makes the exit code 1 (default: the policy's failOn, else error)",
      ).choices(FAIL_ON_VALUES),
    )
    .option("--root <name>", "name of what is reviewed (one sticky comment and check run per root)")
    .option("-C, --repo <dir>", "the repository to review (default: the current directory)", ".")
    .addHelpText(
      "after",
      "\nExit status: 0 passed, 1 a finding reached --fail-on, 2 the review could not run.\nPolicy: .ayra-keys.yaml at the top of the repository, read from --base.",
    )
    .action(async (paths: string[], flags: ReviewFlags) => {
      process.exitCode = await runReviewCommand(paths, flags, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        env: process.env,
        cwd: process.cwd(),
      });
    });
}
