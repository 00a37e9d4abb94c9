// A local GitHub REST server for the review tests. Every request is checked against GitHub's official
// OpenAPI description (operation, path and query parameters, JSON body) and every answer against the
// documented response; any mismatch lands in `violations`, which the tests require to be empty.
// It implements the few operations the reviewer uses, with GitHub's permission behaviour per token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Account,
  basicError,
  checkRun,
  commitStatus,
  issueComment,
  publicUser,
  type StoredCheckRun,
  type StoredComment,
  type StoredStatus,
} from "./fixtures.ts";
import { type GitHubDescription, type Operation, requestProblems, SchemaChecker } from "./openapi.ts";

export type TokenProfile = {
  account: Account;
  /** "user" answers GET /user; "app" is an installation token (GITHUB_TOKEN), refused there with 403. */
  kind: "user" | "app";
  can: { comment: boolean; checks: boolean; statuses: boolean };
};

export type RecordedRequest = {
  method: string;
  path: string;
  query: string;
  body: string;
  operationId?: string;
  status: number;
  login?: string;
};

export type LocalGitHubOptions = {
  description: GitHubDescription;
  owner: string;
  repo: string;
  tokens: Record<string, TokenProfile>;
};

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
type Call = {
  op: Operation;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  profile: TokenProfile;
};

// Statuses GitHub answers that the description does not list for the operation (documented in prose:
// "Resource not accessible by integration"; 401 and 404 apply to every operation).
const UNDOCUMENTED: Record<string, number[]> = {
  "POST /repos/{owner}/{repo}/check-runs": [403],
  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": [403],
  "POST /repos/{owner}/{repo}/statuses/{sha}": [403],
  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": [403],
};
const ALWAYS = [401, 404];
const BASIC_ERROR = {
  type: "object",
  properties: {
    message: { type: "string" },
    documentation_url: { type: "string" },
    status: { type: "string" },
  },
  required: ["message", "documentation_url"],
};
export const COMMENT_BODY_LIMIT = 65_536;

export class LocalGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly comments = new Map<number, StoredComment>();
  readonly checkRuns = new Map<number, StoredCheckRun>();
  readonly statuses: StoredStatus[] = [];
  private readonly options: LocalGitHubOptions;
  private readonly checker = new SchemaChecker();
  private readonly server: Server;
  private nextId = 1000;
  url = "";

  private constructor(options: LocalGitHubOptions) {
    this.options = options;
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        this.violations.push(`server failure: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }

  static async start(options: LocalGitHubOptions): Promise<LocalGitHub> {
    const github = new LocalGitHub(options);
    await new Promise<void>((resolve) => github.server.listen(0, "127.0.0.1", resolve));
    github.url = `http://127.0.0.1:${(github.server.address() as AddressInfo).port}`;
    return github;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A comment someone else wrote, e.g. one quoting our marker. */
  seedComment(issue: number, author: Account, body: string): StoredComment {
    const comment = {
      id: this.nextId++,
      issue,
      author,
      body,
      created: new Date().toISOString(),
      updated: new Date().toISOString(),
    };
    this.comments.set(comment.id, comment);
    return comment;
  }

  /** Every request body and query the server saw, for the canary scans. */
  traffic(): string {
    return this.requests.map((r) => `${r.method} ${r.path}?${r.query}\n${r.body}`).join("\n");
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: url.searchParams.toString(),
      body: raw,
      status: 0,
    };
    this.requests.push(record);
    const reply = this.dispatch(method, url, raw, req.headers.authorization, record);
    record.status = reply.status;
    const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(text ? { "content-type": "application/json; charset=utf-8" } : {}),
      "x-github-request-id": `LOCAL:${record.method}:${this.requests.length}`,
      ...reply.headers,
    });
    res.end(text);
  }

  private violation(record: RecordedRequest, message: string): Reply {
    this.violations.push(`${record.method} ${record.path}: ${message}`);
    return {
      status: 400,
      body: { message: `invalid request: ${message}`, documentation_url: "https://docs.github.com/rest" },
    };
  }

  private dispatch(
    method: string,
    url: URL,
    raw: string,
    authorization: string | undefined,
    record: RecordedRequest,
  ): Reply {
    const matches = this.options.description.operations.filter((o) => o.pattern.test(url.pathname));
    if (matches.length === 0) return this.violation(record, "no such path in GitHub's API description");
    const op = matches.find((o) => o.method === method);
    if (op === undefined)
      return this.violation(record, `${method} is not an operation of ${matches[0]?.template}`);
    record.operationId = op.operationId;
    const params = this.pathParams(op, url.pathname);
    const problems = requestProblems(this.checker, {
      op,
      method,
      path: params,
      query: url.searchParams,
      raw,
    });
    if (problems.length > 0) return this.violation(record, problems.join("; "));
    const token = /^(?:token|bearer) (.+)$/i.exec(authorization ?? "")?.[1];
    const profile = token === undefined ? undefined : this.options.tokens[token];
    if (profile === undefined) return this.respond(op, { status: 401, body: basicError("Bad credentials") });
    record.login = profile.account.login;
    if (
      params.owner !== undefined &&
      (params.owner !== this.options.owner || params.repo !== this.options.repo)
    )
      return this.violation(record, `repository ${params.owner}/${params.repo} is not the one under review`);
    const body = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
    return this.respond(op, this.handle({ op, params, query: url.searchParams, body, profile }, record));
  }

  private pathParams(op: Operation, path: string): Record<string, string> {
    const names = [...op.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? "");
    const values = op.pattern.exec(path)?.slice(1) ?? [];
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(values[i] ?? "")]));
  }

  private respond(op: Operation, reply: Reply): Reply {
    const documented = op.responses[String(reply.status)];
    const key = `${op.method} ${op.template}`;
    if (documented === undefined) {
      if (!ALWAYS.includes(reply.status) && !(UNDOCUMENTED[key] ?? []).includes(reply.status))
        this.violations.push(
          `${key} answered ${reply.status}, which neither the description nor GitHub's prose lists`,
        );
      for (const p of this.checker.check("basic-error", BASIC_ERROR, reply.body))
        this.violations.push(`${key} ${reply.status} error body: ${p}`);
      return reply;
    }
    const schema = documented.content?.["application/json"]?.schema;
    if (schema !== undefined) {
      for (const p of this.checker.check(`${op.operationId}:${reply.status}`, schema, reply.body))
        this.violations.push(`${key} ${reply.status} response (the server's own bug): ${p}`);
    } else if (reply.body !== undefined) {
      this.violations.push(`${key} ${reply.status} must have no body`);
    }
    return reply;
  }

  private handle(call: Call, record: RecordedRequest): Reply {
    switch (call.op.operationId) {
      case "users/get-authenticated":
        return call.profile.kind === "user"
          ? { status: 200, body: publicUser(this.url, call.profile.account) }
          : { status: 403, body: basicError("Resource not accessible by integration") };
      case "issues/list-comments":
        return this.listComments(call);
      case "issues/create-comment":
        return this.createComment(call);
      case "issues/update-comment":
      case "issues/delete-comment":
        return this.changeComment(call, record);
      case "checks/create":
      case "checks/update":
        return this.writeCheckRun(call, record);
      case "repos/create-commit-status":
        return this.createStatus(call);
      default:
        this.violations.push(`${call.op.operationId} is not implemented by the local GitHub server`);
        return { status: 404, body: basicError("Not Found") };
    }
  }

  private listComments({ params, query }: Call): Reply {
    const issue = Number(params.issue_number);
    const all = [...this.comments.values()].filter((c) => c.issue === issue).sort((a, b) => a.id - b.id);
    const perPage = Math.min(Number(query.get("per_page") ?? 30), 100);
    const page = Number(query.get("page") ?? 1);
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    const last = Math.max(1, Math.ceil(all.length / perPage));
    if (page < last) {
      const link = (p: number) =>
        `<${this.url}/repos/${params.owner}/${params.repo}/issues/${issue}/comments?per_page=${perPage}&page=${p}>`;
      headers.link = `${link(page + 1)}; rel="next", ${link(last)}; rel="last"`;
    }
    return {
      status: 200,
      headers,
      body: slice.map((c) => issueComment(this.url, this.options.owner, this.options.repo, c)),
    };
  }

  private createComment({ params, body, profile }: Call): Reply {
    if (!profile.can.comment)
      return { status: 403, body: basicError("Resource not accessible by integration") };
    const text = String(body.body);
    if (text.length > COMMENT_BODY_LIMIT)
      return {
        status: 422,
        body: {
          message: "Validation Failed",
          documentation_url: "https://docs.github.com/rest",
          errors: [
            {
              resource: "IssueComment",
              code: "custom",
              field: "body",
              message: "body is too long (maximum is 65536 characters)",
            },
          ],
        },
      };
    const comment = this.seedComment(Number(params.issue_number), profile.account, text);
    return { status: 201, body: issueComment(this.url, this.options.owner, this.options.repo, comment) };
  }

  private changeComment({ op, params, body, profile }: Call, record: RecordedRequest): Reply {
    const comment = this.comments.get(Number(params.comment_id));
    if (comment === undefined) return { status: 404, body: basicError("Not Found") };
    if (comment.author.login !== profile.account.login) {
      this.violations.push(`${record.method} ${record.path}: touched a comment of ${comment.author.login}`);
      return { status: 403, body: basicError("Must have admin rights to Repository.") };
    }
    if (op.operationId === "issues/delete-comment") {
      this.comments.delete(comment.id);
      return { status: 204 };
    }
    const text = String(body.body);
    if (text.length > COMMENT_BODY_LIMIT)
      return {
        status: 422,
        body: { message: "Validation Failed", documentation_url: "https://docs.github.com/rest" },
      };
    comment.body = text;
    comment.updated = new Date().toISOString();
    return { status: 200, body: issueComment(this.url, this.options.owner, this.options.repo, comment) };
  }

  private writeCheckRun({ op, params, body, profile }: Call, record: RecordedRequest): Reply {
    if (!profile.can.checks)
      return {
        status: 403,
        body: basicError(
          profile.kind === "user"
            ? "You must authenticate via a GitHub App."
            : "Resource not accessible by integration",
        ),
      };
    const output = (body.output ?? {}) as {
      title?: string;
      summary?: string;
      annotations?: Record<string, unknown>[];
    };
    let run: StoredCheckRun;
    if (op.operationId === "checks/create") {
      run = {
        id: this.nextId++,
        name: String(body.name),
        headSha: String(body.head_sha),
        status: "queued",
        conclusion: null,
        title: "",
        summary: "",
        annotations: [],
        batches: [],
        startedAt: String(body.started_at ?? new Date().toISOString()),
        completedAt: null,
        detailsUrl: typeof body.details_url === "string" ? body.details_url : null,
      };
      this.checkRuns.set(run.id, run);
    } else {
      const found = this.checkRuns.get(Number(params.check_run_id));
      if (found === undefined) return { status: 404, body: basicError("Not Found") };
      run = found;
    }
    if (output.title !== undefined) run.title = output.title;
    if (output.summary !== undefined) run.summary = output.summary;
    if (output.annotations !== undefined) {
      run.annotations.push(...output.annotations);
      run.batches.push(output.annotations.length);
    }
    if (typeof body.status === "string") run.status = body.status as StoredCheckRun["status"];
    if (typeof body.conclusion === "string") {
      run.conclusion = body.conclusion;
      run.status = "completed";
    }
    if (run.status === "completed" && run.conclusion === null)
      this.violations.push(`${record.method} ${record.path}: completed without a conclusion`);
    if (run.status === "completed") run.completedAt = String(body.completed_at ?? new Date().toISOString());
    const status = op.operationId === "checks/create" ? 201 : 200;
    return { status, body: checkRun(this.url, this.options.owner, this.options.repo, run) };
  }

  private createStatus({ params, body, profile }: Call): Reply {
    if (!profile.can.statuses)
      return { status: 403, body: basicError("Resource not accessible by integration") };
    const status: StoredStatus = {
      id: this.nextId++,
      sha: String(params.sha),
      state: String(body.state),
      description: typeof body.description === "string" ? body.description : null,
      targetUrl: typeof body.target_url === "string" ? body.target_url : null,
      context: String(body.context ?? "default"),
      creator: profile.account,
    };
    this.statuses.push(status);
    return { status: 201, body: commitStatus(this.url, this.options.owner, this.options.repo, status) };
  }
}
