// Bodies the local GitHub server answers, shaped like GitHub's (the server checks each one against the
// documented response schema before sending it, so a wrong shape here fails the test too).

export type Account = { login: string; id: number; type: "User" | "Bot" };

const STAMP = "2025-01-15T00:00:00Z";

export function simpleUser(base: string, account: Account): Record<string, unknown> {
  const url = `${base}/users/${encodeURIComponent(account.login)}`;
  return {
    login: account.login,
    id: account.id,
    node_id: `U_${account.id}`,
    avatar_url: `https://avatars.example.test/u/${account.id}`,
    gravatar_id: "",
    url,
    html_url: `https://github.example.test/${encodeURIComponent(account.login)}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: account.type,
    site_admin: false,
  };
}

export function publicUser(base: string, account: Account): Record<string, unknown> {
  return {
    ...simpleUser(base, account),
    name: account.login,
    company: null,
    blog: "",
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 1,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: STAMP,
    updated_at: STAMP,
  };
}

export type StoredComment = {
  id: number;
  issue: number;
  author: Account;
  body: string;
  created: string;
  updated: string;
};

export function issueComment(
  base: string,
  owner: string,
  repo: string,
  c: StoredComment,
): Record<string, unknown> {
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${base}/repos/${owner}/${repo}/issues/comments/${c.id}`,
    html_url: `https://github.example.test/${owner}/${repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${base}/repos/${owner}/${repo}/issues/${c.issue}`,
    body: c.body,
    user: simpleUser(base, c.author),
    created_at: c.created,
    updated_at: c.updated,
    author_association: c.author.type === "Bot" ? "NONE" : "MEMBER",
  };
}

export type StoredCheckRun = {
  id: number;
  name: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  title: string;
  summary: string;
  annotations: Record<string, unknown>[];
  batches: number[];
  startedAt: string;
  completedAt: string | null;
  detailsUrl: string | null;
};

export function checkRun(
  base: string,
  owner: string,
  repo: string,
  run: StoredCheckRun,
): Record<string, unknown> {
  const url = `${base}/repos/${owner}/${repo}/check-runs/${run.id}`;
  const app = simpleUser(base, { login: "github", id: 9919, type: "User" });
  return {
    id: run.id,
    node_id: `CR_${run.id}`,
    head_sha: run.headSha,
    external_id: "",
    url,
    html_url: `https://github.example.test/${owner}/${repo}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.title,
      summary: run.summary,
      text: null,
      annotations_count: run.annotations.length,
      annotations_url: `${url}/annotations`,
    },
    name: run.name,
    check_suite: { id: 1 },
    app: {
      id: 15368,
      slug: "github-actions",
      node_id: "MDM6QXBwMTUzNjg=",
      owner: app,
      name: "GitHub Actions",
      description: "Automate your workflow from idea to production",
      external_url: "https://help.github.example.test/en/actions",
      html_url: "https://github.example.test/apps/github-actions",
      created_at: STAMP,
      updated_at: STAMP,
      permissions: { checks: "write", pull_requests: "write" },
      events: [],
    },
    pull_requests: [],
  };
}

export type StoredStatus = {
  id: number;
  sha: string;
  state: string;
  description: string | null;
  targetUrl: string | null;
  context: string;
  creator: Account;
};

export function commitStatus(
  base: string,
  owner: string,
  repo: string,
  s: StoredStatus,
): Record<string, unknown> {
  return {
    url: `${base}/repos/${owner}/${repo}/statuses/${s.sha}`,
    avatar_url: null,
    id: s.id,
    node_id: `SC_${s.id}`,
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: STAMP,
    updated_at: STAMP,
    creator: simpleUser(base, s.creator),
  };
}

export function basicError(message: string): Record<string, unknown> {
  return { message, documentation_url: "https://docs.github.com/rest", status: "403" };
}
