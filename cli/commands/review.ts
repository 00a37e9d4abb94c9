import { Command, Option } from "commander";
import { FAIL_ON_VALUES } from "../../core/review/index.ts";
import type { ReviewFlags } from "./review-run.ts";

export type { ReviewFlags, ReviewIo, ReviewOutput } from "./review-run.ts";

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
    .option(
      "--kubectl <path>",
      "kubectl for rendering kustomizations (default: AYRA_KEYS_KUBECTL, else PATH)",
    )
    .option(
      "--helm <path>",
      "helm for rendering the charts the policy names (default: AYRA_KEYS_HELM, else PATH)",
    )
    .option("--root <name>", "name of what is reviewed (one sticky comment and check run per root)")
    .option("-C, --repo <dir>", "the repository to review (default: the current directory)", ".")
    .addHelpText(
      "after",
      "\nExit status: 0 passed, 1 a finding reached --fail-on, 2 the review could not run.\nPolicy: .ayra-keys.yaml at the top of the repository, read from --base.",
    )
    .action(async (paths: string[], flags: ReviewFlags) => {
      // The review's modules (git, octokit, yaml) load only when a review runs.
      const { runReviewCommand } = await import("./review-run.ts");
      process.exitCode = await runReviewCommand(paths, flags, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        env: process.env,
        cwd: process.cwd(),
      });
    });
}
