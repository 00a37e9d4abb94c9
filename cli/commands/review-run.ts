// What `ayra-keys review` does once its flags are parsed; loaded only when the command runs.
import { resolve } from "node:path";
import { maskKeyLiterals } from "../../core/domain/key-format.ts";
import type { FailOn } from "../../core/review/index.ts";
import { GitError, GitRefError } from "../../review/git.ts";
import { type GitHubContext, GitHubContextError, readGitHubContext } from "../../review/github/context.ts";
import { GitHubAuthError } from "../../review/github/identity.ts";
import { publishToGitHub } from "../../review/github/publish.ts";
import { RenderToolMissingError } from "../../review/gitops/render-tools.ts";
import { renderAnnotations } from "../../review/render/annotations.ts";
import { renderJson } from "../../review/render/json.ts";
import { renderMarkdown } from "../../review/render/markdown.ts";
import type { ReviewReport } from "../../review/report.ts";
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
  /** kubectl for rendering kustomizations (default: kubectl on PATH, or AYRA_KEYS_KUBECTL). */
  kubectl?: string;
  /** helm for rendering charts the policy names (default: helm on PATH, or AYRA_KEYS_HELM). */
  helm?: string;
}

export type ReviewIo = {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
};

/** Exit codes: 0 passed, 1 a finding reached the threshold, 2 the review could not run. */
export const REVIEW_EXIT = { passed: 0, failed: 1, error: 2 } as const;

const KNOWN_ERRORS = [
  ReviewInputError,
  GitRefError,
  GitError,
  GitHubContextError,
  GitHubAuthError,
  RenderToolMissingError,
];

export async function runReviewCommand(paths: string[], flags: ReviewFlags, io: ReviewIo): Promise<number> {
  return (await executeReview(paths, flags, io)).code;
}

export type ReviewOutcome = { code: number; report?: ReviewReport };

/** The review and its reporting; the report too, for callers that act on it (the GitHub Action). */
export async function executeReview(
  paths: string[],
  flags: ReviewFlags,
  io: ReviewIo,
): Promise<ReviewOutcome> {
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
      tools: {
        ...(flags.kubectl ? { kubectl: flags.kubectl } : {}),
        ...(flags.helm ? { helm: flags.helm } : {}),
      },
      env: io.env,
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
    return { code: report.failed ? REVIEW_EXIT.failed : REVIEW_EXIT.passed, report };
  } catch (error) {
    const known = KNOWN_ERRORS.some((type) => error instanceof type);
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`ayra-keys review: ${maskKeyLiterals(known ? message : `unexpected failure: ${message}`)}\n`);
    return { code: REVIEW_EXIT.error };
  }
}
