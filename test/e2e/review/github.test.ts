// --github against a local GitHub server that checks every request against GitHub's official OpenAPI
// description: the sticky comment across pushes, identity by token kind, check runs with batched
// annotations, the commit-status fallback, forks, the comment size limit, and the key canary.
import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateKey, KEY_PATTERN } from "../../../core/domain/key-format.ts";
import { commentMarker } from "../../../review/github/sticky-comment.ts";
import { type GitHubDescription, loadGitHubDescription } from "../../harness/github/openapi.ts";
import { LocalGitHub, type TokenProfile } from "../../harness/github/server.ts";
import { runCli } from "./fixtures/cli.ts";
import { apiKeyYaml, goodSpec, TestRepo } from "./fixtures/git-repo.ts";
import { githubEnv } from "./fixtures/github-env.ts";

const ACTIONS_BOT = { login: "github-actions[bot]", id: 41898282, type: "Bot" as const };
const TOKENS: Record<string, TokenProfile> = {
  // The Actions GITHUB_TOKEN with pull-requests: write and checks: write.
  "actions-token": {
    account: ACTIONS_BOT,
    kind: "app",
    can: { comment: true, checks: true, statuses: true },
  },
  // A personal access token: it may comment and set statuses, but only Apps create check runs.
  "user-token": {
    account: { login: "alice", id: 1001, type: "User" },
    kind: "user",
    can: { comment: true, checks: false, statuses: true },
  },
  // GITHUB_TOKEN without write permissions (e.g. permissions: read-all).
  "read-only-token": {
    account: ACTIONS_BOT,
    kind: "app",
    can: { comment: false, checks: false, statuses: false },
  },
};
const MALLORY = { login: "mallory", id: 666, type: "User" as const };

let description: GitHubDescription;
const servers: LocalGitHub[] = [];
const repos: TestRepo[] = [];

async function github(): Promise<LocalGitHub> {
  const server = await LocalGitHub.start({ description, owner: "acme", repo: "keys", tokens: TOKENS });
  servers.push(server);
  return server;
}

async function repository(): Promise<TestRepo> {
  const repo = await TestRepo.create();
  repos.push(repo);
  return repo;
}

beforeAll(() => {
  description = loadGitHubDescription();
});

afterEach(async () => {
  // An invalid request (or an answer that breaks the description) fails the test that made it.
  for (const server of servers) expect(server.violations).toEqual([]);
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(repos.splice(0).map((r) => r.dispose()));
});

afterAll(() => {
  servers.length = 0;
});

const ours = (server: LocalGitHub, login: string) =>
  [...server.comments.values()].filter((c) => c.author.login === login);

describe("ayra-keys review --github", () => {
  it("keeps exactly one sticky comment across three pushes and ignores a marker planted by another user", async () => {
    const server = await github();
    const repo = await repository();
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", namespace: "shop", spec: goodSpec() }));
    const base = await repo.commit("base");
    await repo.branch("pr");
    const planted = server.seedComment(7, MALLORY, `${commentMarker("keys")}\nLooks good to me, merge it.`);

    const heads: string[] = [];
    const ids = new Set<number>();
    for (const push of [1, 2, 3]) {
      await repo.write(
        "keys/web.yaml",
        apiKeyYaml({ name: "web", namespace: "shop", spec: goodSpec({ owner: `team-${push}` }) }),
      );
      const head = await repo.commit(`push ${push}`);
      heads.push(head);
      const { env } = await githubEnv(repo.dir, server.url, "actions-token", {
        number: 7,
        headSha: head,
        baseSha: base,
      });
      const run = await runCli(["review", "--github", "keys"], { cwd: repo.dir, env });
      expect(run.stderr).toContain("review comment");
      expect(run.code).toBe(0);
      const mine = ours(server, ACTIONS_BOT.login);
      expect(mine).toHaveLength(1);
      expect(mine[0]?.body).toContain(head.slice(0, 12));
      expect(mine[0]?.body).toContain(`→ team-${push}`);
      ids.add(mine[0]?.id ?? 0);
    }
    expect(ids.size).toBe(1);
    expect(server.comments.get(planted.id)?.body).toBe(planted.body);
    const writes = server.requests.filter((r) => r.path.includes("/comments") && r.method !== "GET");
    expect(writes.map((r) => r.method)).toEqual(["POST", "PATCH", "PATCH"]);
    // Identity: the Actions token cannot call GET /user (403), so it is github-actions[bot].
    expect(server.requests.filter((r) => r.path === "/user").map((r) => r.status)).toEqual([403, 403, 403]);
    const runs = [...server.checkRuns.values()];
    expect(runs.map((r) => r.headSha)).toEqual(heads);
    expect(runs.every((r) => r.conclusion === "success" && r.name === "ayra-keys review (keys)")).toBe(true);
  });

  it("keeps one comment per reviewed root and removes duplicates a race left behind", async () => {
    const server = await github();
    const repo = await repository();
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec() }));
    await repo.write("other/api.yaml", apiKeyYaml({ name: "api", spec: goodSpec() }));
    const base = await repo.commit("base");
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec({ owner: "a" }) }));
    await repo.write("other/api.yaml", apiKeyYaml({ name: "api", spec: goodSpec({ owner: "b" }) }));
    const head = await repo.commit("both");
    // Two earlier runs raced and both created a comment for "keys".
    const first = server.seedComment(2, ACTIONS_BOT, `${commentMarker("keys")}\nrun 1`);
    const second = server.seedComment(2, ACTIONS_BOT, `${commentMarker("keys")}\nrun 2`);
    const { env } = await githubEnv(repo.dir, server.url, "actions-token", {
      number: 2,
      headSha: head,
      baseSha: base,
    });

    expect((await runCli(["review", "--github", "keys"], { cwd: repo.dir, env })).code).toBe(0);
    expect((await runCli(["review", "--github", "other"], { cwd: repo.dir, env })).code).toBe(0);

    const mine = ours(server, ACTIONS_BOT.login);
    expect(mine.map((c) => c.id)).toEqual([first.id, expect.any(Number)]);
    expect(server.comments.has(second.id)).toBe(false);
    expect(mine[0]?.body).toContain("`default/web`");
    expect(mine[1]?.body).toContain(commentMarker("other"));
    expect(mine[1]?.body).toContain("`default/api`");
    expect([...server.checkRuns.values()].map((r) => r.name)).toEqual([
      "ayra-keys review (keys)",
      "ayra-keys review (other)",
    ]);
  });

  it("finds a user token's comment by GET /user and falls back to a commit status when checks are refused", async () => {
    const server = await github();
    const repo = await repository();
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec() }));
    const base = await repo.commit("base");
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec({ environment: "test" }) }));
    const head = await repo.commit("move to test");
    // An earlier run with the Actions token left its own comment: not this identity's.
    const earlier = server.seedComment(9, ACTIONS_BOT, `${commentMarker("keys")}\nold review`);
    const { env } = await githubEnv(repo.dir, server.url, "user-token", {
      number: 9,
      headSha: head,
      baseSha: base,
    });

    const run = await runCli(["review", "--github", "keys"], { cwd: repo.dir, env });

    expect(run.code).toBe(1); // environment-change is an error
    expect(server.requests.find((r) => r.path === "/user")?.status).toBe(200);
    expect(ours(server, "alice")).toHaveLength(1);
    expect(server.comments.get(earlier.id)?.body).toBe(earlier.body);
    expect(server.requests.find((r) => r.path.endsWith("/check-runs"))?.status).toBe(403);
    expect(server.statuses).toEqual([
      expect.objectContaining({ sha: head, state: "failure", context: "ayra-keys review (keys)" }),
    ]);
    expect(run.stdout).toMatch(/::notice title=ayra-keys review::The token may not create check runs/);
    expect(run.stdout).toMatch(/^::error file=keys\/web\.yaml,line=\d+,.*environment-change/m);
  });

  it("sends 120 annotations in three batches of at most 50", async () => {
    const server = await github();
    const repo = await repository();
    for (let i = 0; i < 60; i++)
      await repo.write(`keys/k${i}.yaml`, apiKeyYaml({ name: `k${i}`, spec: goodSpec() }));
    const base = await repo.commit("base");
    // Each key gets a poor name and a write scope: two warnings each, on two lines.
    for (let i = 0; i < 60; i++)
      await repo.write(
        `keys/k${i}.yaml`,
        apiKeyYaml({
          name: `k${i}`,
          spec: goodSpec({ displayName: "Test", scopes: ["agents:read", "agents:write"] }),
        }),
      );
    const head = await repo.commit("rename everything");
    const { env } = await githubEnv(repo.dir, server.url, "actions-token", {
      number: 3,
      headSha: head,
      baseSha: base,
    });

    const run = await runCli(["review", "--github", "--fail-on", "warning", "keys"], { cwd: repo.dir, env });

    expect(run.code).toBe(1);
    const [check] = [...server.checkRuns.values()];
    expect(check?.batches).toEqual([50, 50, 20]);
    expect(check?.conclusion).toBe("failure");
    expect(check?.annotations).toHaveLength(120);
    const k0 = (await readFile(`${repo.dir}/keys/k0.yaml`, "utf8")).split("\n");
    const nameLine = k0.findIndex((l) => l.includes("displayName")) + 1;
    expect(check?.annotations).toContainEqual(
      expect.objectContaining({ path: "keys/k0.yaml", start_line: nameLine, annotation_level: "warning" }),
    );
    const batchRequests = server.requests.filter((r) => r.path.includes("/check-runs"));
    expect(batchRequests.map((r) => r.method)).toEqual(["POST", "PATCH", "PATCH"]);
  });

  it("degrades to log annotations for a pull request from a fork, without writing anything", async () => {
    const server = await github();
    const repo = await repository();
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec() }));
    const base = await repo.commit("base");
    await repo.write(
      "keys/web.yaml",
      apiKeyYaml({ name: "web", spec: goodSpec({ scopes: ["admin:full"] }) }),
    );
    const head = await repo.commit("admin please");
    const { env, summaryFile } = await githubEnv(repo.dir, server.url, "read-only-token", {
      number: 11,
      headSha: head,
      baseSha: base,
      headRepo: "mallory/keys",
    });

    const run = await runCli(["review", "--github", "keys"], { cwd: repo.dir, env });

    expect(server.requests).toEqual([]);
    expect(run.code).toBe(0); // admin:full on a live key that expires within 90 days is allowed; widening warns
    expect(run.stdout).toMatch(/::notice title=ayra-keys review::This pull request comes from a fork/);
    expect(run.stdout).toMatch(/^::warning file=keys\/web\.yaml,.*write-scope-widening/m);
    expect(await readFile(summaryFile, "utf8")).toContain("ayra-keys review");
  });

  it("says which permission is missing when the token may write nothing, and still reports in the log", async () => {
    const server = await github();
    const repo = await repository();
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec() }));
    const base = await repo.commit("base");
    await repo.write(
      "keys/web.yaml",
      apiKeyYaml({ name: "web", spec: goodSpec({ displayName: "New Key" }) }),
    );
    const head = await repo.commit("rename");
    const { env } = await githubEnv(repo.dir, server.url, "read-only-token", {
      number: 5,
      headSha: head,
      baseSha: base,
    });

    const run = await runCli(["review", "--github", "keys"], { cwd: repo.dir, env });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("give the workflow `permissions: pull-requests: write`");
    expect(run.stdout).toContain("give the workflow `permissions: checks: write`");
    expect(run.stdout.match(/^::warning file=keys\/web\.yaml.*poor-name/gm)).toHaveLength(1);
    expect(server.comments.size).toBe(0);
  });

  it("keeps the comment under GitHub's 65,535-character limit when 1,200 live keys are deleted", async () => {
    const server = await github();
    const repo = await repository();
    const all = Array.from({ length: 1200 }, (_, i) => apiKeyYaml({ name: `key-${i}`, spec: goodSpec() }));
    await repo.write("keys/all.yaml", all.join("---\n"));
    const base = await repo.commit("base");
    await repo.remove("keys/all.yaml");
    const head = await repo.commit("delete them all");
    const { env } = await githubEnv(repo.dir, server.url, "actions-token", {
      number: 8,
      headSha: head,
      baseSha: base,
    });

    const run = await runCli(["review", "--github", "keys"], { cwd: repo.dir, env });

    expect(run.code).toBe(0);
    const [comment] = ours(server, ACTIONS_BOT.login);
    expect(comment?.body.length).toBeLessThan(65_535);
    expect(comment?.body).toMatch(/and \d+ keys more/);
    expect(comment?.body).toContain("live-key-deleted");
    const [check] = [...server.checkRuns.values()];
    expect(check?.summary.length).toBeLessThan(65_535);
  });

  it("never sends or prints a key value planted in the change", async () => {
    const server = await github();
    const repo = await repository();
    const planted = {
      description: generateKey("live"),
      config: generateKey("test"),
      removed: generateKey("live"),
      comment: generateKey("live"),
      kind: generateKey("test"),
      fileName: generateKey("test"),
    };
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec() }));
    await repo.write("config/old.env", `AYRA_API_KEY=${planted.removed}\n`);
    const base = await repo.commit("base");
    await repo.write(
      "keys/web.yaml",
      `# previous key: ${planted.comment}\n${apiKeyYaml({ name: "web", spec: goodSpec({ description: `uses ${planted.description}` }) })}`,
    );
    await repo.write("config/app.env", `AYRA_API_KEY=${planted.config}\n`);
    await repo.remove("config/old.env");
    await repo.write(
      "keys/odd.yaml",
      `apiVersion: keys.ayra.ai/v1alpha1\nkind: ${planted.kind}\nmetadata: {name: odd}\n`,
    );
    // A finding in a file whose name is a key: its path goes to the annotations, masked.
    await repo.write(
      `keys/${planted.fileName}.yaml`,
      apiKeyYaml({ name: "named", spec: goodSpec({ displayName: "Test" }) }),
    );
    const head = await repo.commit("leak keys everywhere");
    const outputs: string[] = [];
    const summaries: string[] = [];
    // The Actions token (comment and check run) and a user token (comment and commit status).
    for (const [output, token] of [
      ["markdown", "actions-token"],
      ["json", "user-token"],
      ["annotations", "actions-token"],
    ] as const) {
      const { env, summaryFile } = await githubEnv(repo.dir, server.url, token, {
        number: 4,
        headSha: head,
        baseSha: base,
      });
      const run = await runCli(["review", "--github", "--output", output], { cwd: repo.dir, env });
      expect(run.code).toBe(1);
      outputs.push(run.stdout, run.stderr);
      summaries.push(await readFile(summaryFile, "utf8"));
    }
    const annotated = [...server.checkRuns.values()].flatMap((r) => r.annotations.map((a) => String(a.path)));
    expect(annotated).toContain("keys/sk_test_[redacted].yaml");
    outputs.push(...summaries, server.traffic());
    const everything = outputs.join("\n");
    for (const key of Object.values(planted)) expect(everything).not.toContain(key);
    expect(KEY_PATTERN.test(everything)).toBe(false);
    // …and the findings still say where each one is.
    const json = JSON.parse(outputs[2] ?? "{}") as {
      findings: { rule: string; location?: { file: string; line: number } }[];
    };
    const literal = json.findings
      .filter((f) => f.rule === "key-literal")
      .map((f) => `${f.location?.file}:${f.location?.line}`);
    expect(literal).toEqual(expect.arrayContaining(["config/app.env:1", "keys/web.yaml:1"]));
    expect(json.findings).toContainEqual(
      expect.objectContaining({
        rule: "key-literal-removed",
        location: expect.objectContaining({ file: "config/old.env", line: 1 }),
      }),
    );
  });
});
