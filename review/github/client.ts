import { Octokit } from "octokit";
import { maskKeyLiterals } from "../../core/domain/key-format.ts";

/*
 * The GitHub client: octokit with its paginate, retry and throttling plugins (the `octokit` package
 * composes them). Rate limits are retried twice, then given up; logs go through `log`, masked.
 */

export type GitHubClientOptions = {
  token: string;
  apiUrl: string;
  log: (line: string) => void;
  /** Retries of 5xx and network failures (plugin-retry); 403/404/422 are never retried. */
  retries?: number;
};

type LimitRequest = { method: string; url: string };

export function createGitHubClient(options: GitHubClientOptions): Octokit {
  const say = (text: unknown) => options.log(maskKeyLiterals(String(text)));
  const limited =
    (what: string) =>
    (retryAfter: number, request: LimitRequest, _octokit: unknown, retryCount: number): boolean => {
      say(`GitHub ${what} on ${request.method} ${request.url}; retrying in ${retryAfter}s`);
      return retryCount < 2;
    };
  return new Octokit({
    auth: options.token,
    baseUrl: options.apiUrl,
    userAgent: "ayra-keys-review",
    log: { debug: () => {}, info: () => {}, warn: say, error: say },
    retry: { retries: options.retries ?? 3 },
    throttle: { onRateLimit: limited("rate limit"), onSecondaryRateLimit: limited("secondary rate limit") },
  });
}

/** The HTTP status of an octokit failure, if it was one (classified by type, never by message). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "status" in error) {
    const status = (error as { status: unknown }).status;
    return typeof status === "number" ? status : undefined;
  }
  return undefined;
}

/** A write the token may not make: 403, or 404 (GitHub hides what a token cannot see). */
export function isRefused(error: unknown): boolean {
  const status = statusOf(error);
  return status === 403 || status === 404;
}
