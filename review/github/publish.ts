import { appendFile } from "node:fs/promises";
import type { Octokit } from "octokit";
import { maskKeyLiterals } from "../../core/domain/key-format.ts";
import { renderAnnotations } from "../render/annotations.ts";
import { renderMarkdown } from "../render/markdown.ts";
import type { ReviewReport } from "../report.ts";
import { checkAnnotations, publishCheckRun, publishCommitStatus } from "./check-run.ts";
import { createGitHubClient, isRefused, statusOf } from "./client.ts";
import type { GitHubContext } from "./context.ts";
import { whoAmI } from "./identity.ts";
import { commentMarker, upsertStickyComment } from "./sticky-comment.ts";

/*
 * `--github`: the report on the pull request. The sticky comment and the check run are tried
 * independently; whatever the token may not do degrades to workflow-command annotations in the log
 * (and the job summary), with a sentence saying why and which permission would fix it.
 */

/** The comment stays under GitHub's 65,536-character body limit with room to spare. */
export const COMMENT_MAX_LENGTH = 65_000;

export type PublishIo = {
  /** Workflow commands (notices, annotations): stdout, or stderr when stdout holds JSON. */
  commands: (text: string) => void;
  /** Progress lines. */
  stderr: (text: string) => void;
};

export type PublishOptions = {
  /** The annotations are on stdout already (--output annotations): do not print them twice. */
  annotationsPrinted?: boolean;
  /** A ready client (tests); otherwise one is made from the context. */
  octokit?: Octokit;
};

export type PublishResult = {
  comment: "created" | "updated" | "unchanged" | "skipped" | "refused";
  check: "check-run" | "commit-status" | "refused" | "skipped";
  annotationsLogged: boolean;
};

export function checkName(root: string): string {
  return root === "." ? "ayra-keys review" : `ayra-keys review (${root})`;
}

function checkTitle(report: ReviewReport): string {
  const { error, warning } = report.counts;
  return `${error} error${error === 1 ? "" : "s"}, ${warning} warning${warning === 1 ? "" : "s"} · ${report.plan.length} key${report.plan.length === 1 ? "" : "s"} change`;
}

function notice(io: PublishIo, text: string): void {
  io.commands(
    `::notice title=ayra-keys review::${maskKeyLiterals(text).replace(/%/g, "%25").replace(/\n/g, "%0A")}\n`,
  );
}

export async function publishToGitHub(
  report: ReviewReport,
  context: GitHubContext,
  io: PublishIo,
  options: PublishOptions = {},
): Promise<PublishResult> {
  const result: PublishResult = { comment: "skipped", check: "skipped", annotationsLogged: false };
  const logAnnotations = () => {
    if (!options.annotationsPrinted && !result.annotationsLogged) io.commands(renderAnnotations(report));
    result.annotationsLogged = true;
  };
  if (context.stepSummary !== undefined)
    await appendFile(context.stepSummary, renderMarkdown(report, { maxLength: COMMENT_MAX_LENGTH }));
  if (context.fromFork) {
    notice(
      io,
      "This pull request comes from a fork, so its GITHUB_TOKEN is read-only: the review is in this log as annotations and in the job summary, not in a comment or a check run.",
    );
    logAnnotations();
    return result;
  }
  const octokit =
    options.octokit ??
    createGitHubClient({ token: context.token, apiUrl: context.apiUrl, log: (l) => io.stderr(`${l}\n`) });
  const identity = await whoAmI(octokit, context.botLogin);
  const { owner, repo } = context;

  if (context.pullNumber !== undefined) {
    const body = renderMarkdown(report, {
      maxLength: COMMENT_MAX_LENGTH,
      marker: commentMarker(report.root),
      fullResultHint: "see the check run's annotations or run `ayra-keys review --output json`",
    });
    try {
      const sticky = await upsertStickyComment(
        octokit,
        { owner, repo, issueNumber: context.pullNumber, root: report.root, identity },
        body,
      );
      result.comment = sticky.action;
      io.stderr(`ayra-keys: review comment ${sticky.action}: ${sticky.url}\n`);
    } catch (error) {
      if (!isRefused(error)) throw error;
      result.comment = "refused";
      notice(
        io,
        `The token may not comment on pull request #${context.pullNumber} (HTTP ${statusOf(error)}): give the workflow \`permissions: pull-requests: write\`. The review is in this log instead.`,
      );
      logAnnotations();
    }
  }

  const name = checkName(report.root);
  const summary = renderMarkdown(report, { maxLength: COMMENT_MAX_LENGTH });
  try {
    const check = await publishCheckRun(octokit, {
      owner,
      repo,
      headSha: context.headSha,
      name,
      conclusion: report.failed ? "failure" : "success",
      title: checkTitle(report),
      summary,
      annotations: checkAnnotations(report.findings),
      ...(context.runUrl ? { detailsUrl: context.runUrl } : {}),
    });
    result.check = "check-run";
    io.stderr(
      `ayra-keys: check run "${name}" in ${check.requests} request${check.requests === 1 ? "" : "s"}\n`,
    );
  } catch (error) {
    if (!isRefused(error)) throw error;
    try {
      await publishCommitStatus(octokit, {
        owner,
        repo,
        sha: context.headSha,
        context: name,
        state: report.failed ? "failure" : "success",
        description: checkTitle(report),
        ...(context.runUrl ? { targetUrl: context.runUrl } : {}),
      });
      result.check = "commit-status";
      notice(
        io,
        `The token may not create check runs (HTTP ${statusOf(error)}; only GitHub Apps, such as the Actions GITHUB_TOKEN with \`checks: write\`, can): the result is a commit status and the line annotations are in this log.`,
      );
    } catch (fallback) {
      if (!isRefused(fallback)) throw fallback;
      result.check = "refused";
      notice(
        io,
        `The token may create neither check runs nor commit statuses (HTTP ${statusOf(fallback)}): give the workflow \`permissions: checks: write\`. The annotations are in this log.`,
      );
    }
    logAnnotations();
  }
  return result;
}
