import type { Octokit } from "octokit";
import { maskKeyLiterals } from "../../core/domain/key-format.ts";
import type { Severity } from "../../core/hygiene/rules.ts";
import { findingTitle } from "../render/annotations.ts";
import type { Finding } from "../report.ts";

/*
 * A check run on the head commit with an annotation per located finding. The Checks API takes at
 * most 50 annotations a request: the run is created with the first 50 and updated with the rest,
 * 50 at a time; the last request completes it.
 */

export const ANNOTATIONS_PER_REQUEST = 50;

export type CheckAnnotation = {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title: string;
};

const LEVEL: Record<Severity, CheckAnnotation["annotation_level"]> = {
  error: "failure",
  warning: "warning",
  info: "notice",
};

/** Findings on lines of the head tree; others (deleted files, Pulumi steps) live in the summary. */
export function checkAnnotations(findings: readonly Finding[]): CheckAnnotation[] {
  return findings.flatMap((f) => {
    const at = f.location;
    if (at === undefined || at.side !== "head") return [];
    const annotation: CheckAnnotation = {
      path: maskKeyLiterals(at.file),
      start_line: at.line,
      end_line: Math.max(at.line, at.endLine),
      annotation_level: LEVEL[f.severity],
      message: maskKeyLiterals(f.message).slice(0, 60_000),
      title: maskKeyLiterals(findingTitle(f)).slice(0, 255),
    };
    if (at.line === at.endLine) {
      annotation.start_column = at.column;
      annotation.end_column = Math.max(at.column, at.endColumn);
    }
    return [annotation];
  });
}

export type CheckRunInput = {
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  conclusion: "success" | "failure" | "neutral";
  title: string;
  summary: string;
  annotations: readonly CheckAnnotation[];
  detailsUrl?: string;
};

export type CheckRunResult = { id: number; url: string; requests: number };

export async function publishCheckRun(octokit: Octokit, input: CheckRunInput): Promise<CheckRunResult> {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < input.annotations.length; i += ANNOTATIONS_PER_REQUEST)
    batches.push(input.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const [first = [], ...rest] = batches;
  const output = (annotations: CheckAnnotation[]) => ({
    title: input.title,
    summary: input.summary,
    annotations,
  });
  const done = () => ({
    status: "completed" as const,
    conclusion: input.conclusion,
    completed_at: new Date().toISOString(),
  });
  const { owner, repo } = input;
  const { data } = await octokit.rest.checks.create({
    owner,
    repo,
    name: input.name,
    head_sha: input.headSha,
    started_at: new Date().toISOString(),
    ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
    ...(rest.length === 0 ? done() : { status: "in_progress" as const }),
    output: output(first),
  });
  for (const [index, batch] of rest.entries()) {
    const last = index === rest.length - 1;
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: data.id,
      ...(last ? done() : {}),
      output: output(batch),
    });
  }
  return { id: data.id, url: data.html_url ?? "", requests: 1 + rest.length };
}

export type CommitStatusInput = {
  owner: string;
  repo: string;
  sha: string;
  context: string;
  state: "success" | "failure";
  description: string;
  targetUrl?: string;
};

/** The fallback where the token cannot create check runs (a user token: only Apps can). */
export async function publishCommitStatus(octokit: Octokit, input: CommitStatusInput): Promise<void> {
  const description = maskKeyLiterals(input.description);
  await octokit.rest.repos.createCommitStatus({
    owner: input.owner,
    repo: input.repo,
    sha: input.sha,
    state: input.state,
    context: input.context,
    description: description.length > 140 ? `${description.slice(0, 139)}…` : description,
    ...(input.targetUrl ? { target_url: input.targetUrl } : {}),
  });
}
