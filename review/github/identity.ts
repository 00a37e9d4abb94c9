import type { Octokit } from "octokit";
import { statusOf } from "./client.ts";

/*
 * Who the token is, so the sticky comment is found only among our own. A user token (PAT, OAuth)
 * answers GET /user. An installation token (the Actions GITHUB_TOKEN, a GitHub App's) is refused
 * there with 403 "Resource not accessible by integration": then the login is the app's bot,
 * github-actions[bot] unless AYRA_KEYS_GITHUB_LOGIN names another app.
 */

export type Identity = { login: string; kind: "user" | "app" };

export class GitHubAuthError extends Error {
  override readonly name = "GitHubAuthError";
}

export async function whoAmI(octokit: Octokit, botLogin: string): Promise<Identity> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return { login: data.login, kind: "user" };
  } catch (error) {
    const status = statusOf(error);
    if (status === 403) return { login: botLogin, kind: "app" };
    if (status === 401) throw new GitHubAuthError("GitHub refused the token (401): check GITHUB_TOKEN.");
    throw error;
  }
}

export function sameLogin(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}
