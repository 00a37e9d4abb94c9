import type { Octokit } from "octokit";
import { type Identity, sameLogin } from "./identity.ts";

/*
 * One comment per pull request and reviewed root, updated in place on every push. Ours is the
 * comment that carries the root's hidden marker AND is authored by the token's identity: a marker
 * pasted by anyone else is ignored. Extra copies of ours (from a race of two runs) are deleted.
 */

export function commentMarker(root: string): string {
  const safe = JSON.stringify(root).replace(/--/g, "-\\u002d");
  return `<!-- ayra-keys-review root=${safe} -->`;
}

export type StickyTarget = {
  owner: string;
  repo: string;
  issueNumber: number;
  root: string;
  identity: Identity;
};
export type StickyResult = {
  action: "created" | "updated" | "unchanged";
  id: number;
  url: string;
  removed: number;
};

export async function upsertStickyComment(
  octokit: Octokit,
  target: StickyTarget,
  body: string,
): Promise<StickyResult> {
  const { owner, repo, issueNumber, root, identity } = target;
  const marker = commentMarker(root);
  if (!body.includes(marker)) throw new TypeError("the comment body must carry the root's marker");
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const ours = comments.filter(
    (c) => (c.body ?? "").includes(marker) && sameLogin(c.user?.login, identity.login),
  );
  const [first, ...extra] = ours;
  for (const comment of extra)
    await octokit.rest.issues.deleteComment({ owner, repo, comment_id: comment.id });
  if (first === undefined) {
    const { data } = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: issueNumber,
      body,
    });
    return { action: "created", id: data.id, url: data.html_url, removed: extra.length };
  }
  if (first.body === body)
    return { action: "unchanged", id: first.id, url: first.html_url, removed: extra.length };
  const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: first.id, body });
  return { action: "updated", id: data.id, url: data.html_url, removed: extra.length };
}
