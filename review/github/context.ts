import { readFileSync } from "node:fs";

/*
 * What GitHub Actions tells a step about its run (the documented GITHUB_* variables and the event
 * payload), read once into one object; nothing else in review/github reads the environment.
 */

export class GitHubContextError extends Error {
  override readonly name = "GitHubContextError";
}

export type GitHubContext = {
  owner: string;
  repo: string;
  token: string;
  apiUrl: string;
  eventName: string;
  /** The pull request, when the event has one. */
  pullNumber?: number;
  /** The commit the check run and status attach to: the pull request's head, else GITHUB_SHA. */
  headSha: string;
  /** The pull request's base commit, for --base when it is not given. */
  baseSha?: string;
  /** A pull_request event from a fork: the token is read-only, nothing can be written. */
  fromFork: boolean;
  /** GITHUB_STEP_SUMMARY: a file whose Markdown shows on the run's page. */
  stepSummary?: string;
  /** A link to this run, for the check run's details. */
  runUrl?: string;
  /** The bot login of an installation token (GITHUB_TOKEN is github-actions[bot]). */
  botLogin: string;
};

type PullRequestPayload = {
  number?: number;
  head?: { sha?: string; repo?: { full_name?: string } | null };
  base?: { sha?: string; repo?: { full_name?: string } };
};
type EventPayload = { pull_request?: PullRequestPayload; after?: string; before?: string };

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (value === undefined || value === "")
    throw new GitHubContextError(
      `--github needs ${name}; it is set by GitHub Actions (for GITHUB_TOKEN: env: GITHUB_TOKEN: \${{ github.token }}).`,
    );
  return value;
}

export function readGitHubContext(env: Record<string, string | undefined>): GitHubContext {
  const repository = required(env, "GITHUB_REPOSITORY");
  const [owner, repo, ...rest] = repository.split("/");
  if (!owner || !repo || rest.length > 0)
    throw new GitHubContextError(`GITHUB_REPOSITORY must be owner/name, not ${JSON.stringify(repository)}.`);
  const token = required(env, "GITHUB_TOKEN");
  const eventPath = required(env, "GITHUB_EVENT_PATH");
  let event: EventPayload;
  try {
    event = JSON.parse(readFileSync(eventPath, "utf8")) as EventPayload;
  } catch {
    throw new GitHubContextError(`GITHUB_EVENT_PATH (${eventPath}) is not a readable JSON event payload.`);
  }
  const eventName = env.GITHUB_EVENT_NAME ?? "pull_request";
  const pr = event.pull_request;
  const headSha = pr?.head?.sha ?? event.after ?? env.GITHUB_SHA;
  if (headSha === undefined)
    throw new GitHubContextError("the event has no head commit (pull_request.head.sha or GITHUB_SHA).");
  const baseRepo = pr?.base?.repo?.full_name ?? repository;
  const headRepo = pr?.head?.repo?.full_name;
  const context: GitHubContext = {
    owner,
    repo,
    token,
    apiUrl: (env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""),
    eventName,
    headSha,
    // pull_request_target runs with a write token even for forks; only pull_request is read-only.
    fromFork:
      eventName === "pull_request" && pr !== undefined && headRepo?.toLowerCase() !== baseRepo.toLowerCase(),
    botLogin: env.AYRA_KEYS_GITHUB_LOGIN || "github-actions[bot]",
  };
  if (typeof pr?.number === "number") context.pullNumber = pr.number;
  const baseSha = pr?.base?.sha ?? (event.before && !/^0+$/.test(event.before) ? event.before : undefined);
  if (baseSha !== undefined) context.baseSha = baseSha;
  if (env.GITHUB_STEP_SUMMARY) context.stepSummary = env.GITHUB_STEP_SUMMARY;
  if (env.GITHUB_SERVER_URL && env.GITHUB_RUN_ID)
    context.runUrl = `${env.GITHUB_SERVER_URL}/${repository}/actions/runs/${env.GITHUB_RUN_ID}`;
  return context;
}
