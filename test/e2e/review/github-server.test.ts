// The local GitHub server itself: it must refuse what GitHub's description does not allow, or the
// review's GitHub tests would prove nothing. Each bad request is recorded as a violation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGitHubDescription } from "../../harness/github/openapi.ts";
import { LocalGitHub } from "../../harness/github/server.ts";

describe("the local GitHub server", () => {
  let server: LocalGitHub;

  beforeAll(async () => {
    server = await LocalGitHub.start({
      description: loadGitHubDescription(),
      owner: "acme",
      repo: "keys",
      tokens: {
        t: {
          account: { login: "alice", id: 1, type: "User" },
          kind: "user",
          can: { comment: true, checks: true, statuses: true },
        },
      },
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  async function send(method: string, path: string, body?: unknown) {
    const before = server.violations.length;
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: "token t", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await response.arrayBuffer();
    return { status: response.status, violations: server.violations.slice(before) };
  }

  const annotation = {
    path: "a.yaml",
    start_line: 1,
    end_line: 1,
    annotation_level: "warning",
    message: "m",
  };

  it.each([
    {
      name: "a path GitHub does not have",
      method: "GET",
      path: "/repos/acme/keys/api-keys",
      problem: /no such path/,
    },
    {
      name: "a method the path does not take",
      method: "PUT",
      path: "/user",
      problem: /PUT is not an operation/,
    },
    {
      name: "an undocumented query parameter",
      method: "GET",
      path: "/repos/acme/keys/issues/7/comments?sort=created",
      problem: /query parameter sort is not documented/,
    },
    {
      name: "a query parameter of the wrong type",
      method: "GET",
      path: "/repos/acme/keys/issues/7/comments?per_page=many",
      problem: /query parameter per_page: .* must be integer/,
    },
    {
      name: "a path parameter of the wrong type",
      method: "GET",
      path: "/repos/acme/keys/issues/seven/comments",
      problem: /path parameter issue_number: .* must be integer/,
    },
    {
      name: "a comment without its body",
      method: "POST",
      path: "/repos/acme/keys/issues/7/comments",
      body: {},
      problem: /body \(root\) must have required property 'body'/,
    },
    {
      name: "51 annotations in one request",
      method: "POST",
      path: "/repos/acme/keys/check-runs",
      body: {
        name: "x",
        head_sha: "abc",
        output: { title: "t", summary: "s", annotations: Array(51).fill(annotation) },
      },
      problem: /body \/output\/annotations must NOT have more than 50 items/,
    },
    {
      name: "a commit status in an unknown state",
      method: "POST",
      path: "/repos/acme/keys/statuses/abc",
      body: { state: "green" },
      problem: /body \/state must be equal to one of the allowed values/,
    },
    {
      name: "a body on a DELETE",
      method: "DELETE",
      path: "/repos/acme/keys/issues/comments/1",
      body: { x: 1 },
      problem: /DELETE takes no body/,
    },
    {
      name: "another repository",
      method: "GET",
      path: "/repos/acme/other/issues/7/comments",
      problem: /repository acme\/other is not the one under review/,
    },
  ])("flags $name", async ({ method, path, body, problem }) => {
    const { status, violations } = await send(method, path, body);
    expect(status).toBe(400);
    expect(violations).toEqual([expect.stringMatching(problem)]);
  });

  it("answers valid requests with bodies that match the description", async () => {
    expect(await send("GET", "/user")).toEqual({ status: 200, violations: [] });
    expect(await send("POST", "/repos/acme/keys/issues/7/comments", { body: "hello" })).toEqual({
      status: 201,
      violations: [],
    });
    expect(await send("GET", "/repos/acme/keys/issues/7/comments?per_page=100&page=1")).toEqual({
      status: 200,
      violations: [],
    });
    const created = await send("POST", "/repos/acme/keys/check-runs", {
      name: "x",
      head_sha: "abc",
      status: "in_progress",
      output: { title: "t", summary: "s", annotations: Array(50).fill(annotation) },
    });
    expect(created).toEqual({ status: 201, violations: [] });
  });
});
