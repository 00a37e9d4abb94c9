// action.yml as GitHub runs it: the committed node24 bundle, inputs from INPUT_* variables, outputs in
// $GITHUB_OUTPUT, against the local GitHub server (every request checked against GitHub's OpenAPI
// description). And the bundle is what `npm run build:action` makes from the source today.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_PATH, buildActionBundle } from "../../../action/build.ts";
import { counterpartPaths } from "../../counterparts/build.ts";
import { loadGitHubDescription } from "../../harness/github/openapi.ts";
import { LocalGitHub } from "../../harness/github/server.ts";
import { type ActionYaml, readActionYaml, repoRoot, runAction } from "./fixtures/action-runner.ts";
import { apiKeyYaml, goodSpec, TestRepo } from "./fixtures/git-repo.ts";
import { githubEnv } from "./fixtures/github-env.ts";

describe("the committed action bundle", () => {
  it("is byte for byte what npm run build:action makes from the source now", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ayra-keys-bundle-"));
    try {
      const fresh = join(dir, "index.mjs");
      await buildActionBundle(fresh);
      const [built, committed] = await Promise.all([readFile(fresh), readFile(BUNDLE_PATH)]);
      // On failure: run `npm run build:action` and commit action/dist/index.mjs.
      expect(built.equals(committed), "action/dist/index.mjs is stale: run npm run build:action").toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("action.yml", () => {
  let action: ActionYaml;
  let server: LocalGitHub;
  let repo: TestRepo;
  let base: string;

  beforeAll(async () => {
    action = await readActionYaml();
    server = await LocalGitHub.start({
      description: loadGitHubDescription(),
      owner: "acme",
      repo: "keys",
      tokens: {
        "actions-token": {
          account: { login: "github-actions[bot]", id: 41898282, type: "Bot" },
          kind: "app",
          can: { comment: true, checks: true, statuses: true },
        },
      },
    });
    repo = await TestRepo.create();
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec() }));
    await repo.write("more/api.yaml", apiKeyYaml({ name: "api", spec: goodSpec() }));
    base = await repo.commit("base");
  });

  afterAll(async () => {
    expect(server.violations).toEqual([]);
    await server?.close();
    await repo?.dispose();
  });

  it("runs the committed bundle on Node 24, with no install step", async () => {
    expect(action.runs).toEqual({ using: "node24", main: "action/dist/index.mjs" });
    expect(Object.keys(action.outputs).sort()).toEqual([
      "conclusion",
      "errors",
      "infos",
      "report",
      "warnings",
    ]);
    const bundle = await readFile(join(repoRoot, action.runs.main), "utf8");
    expect(bundle.length).toBeGreaterThan(1000);
  });

  it("fails on findings: exit 1, conclusion failure, counts and the JSON report in the outputs", async () => {
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec({ displayName: "Key 1" }) }));
    await repo.write("more/api.yaml", apiKeyYaml({ name: "api", spec: goodSpec({ owner: "platform" }) }));
    const head = await repo.commit("change");
    const { env } = await githubEnv(repo.dir, server.url, "actions-token", {
      number: 21,
      headSha: head,
      baseSha: base,
    });
    const run = await runAction(action, {
      workspace: repo.dir,
      inputs: { paths: "keys\n  more ", "fail-on": "warning", root: "keys-and-more" },
      github: env,
    });
    expect(run.stderr).toContain("review comment created");
    expect(run.code).toBe(1); // poor-name is a warning; fail-on: warning
    expect(run.outputs).toMatchObject({ conclusion: "failure", errors: "0", warnings: "1" });
    const report = JSON.parse(await readFile(run.outputs.report ?? "", "utf8")) as {
      counts: Record<string, number>;
      failed: boolean;
      findings: { rule: string }[];
    };
    expect(report.failed).toBe(true);
    expect(report.counts).toEqual({
      error: Number(run.outputs.errors),
      warning: Number(run.outputs.warnings),
      info: Number(run.outputs.infos),
    });
    expect(report.findings.map((f) => f.rule)).toContain("poor-name");
    const comment = [...server.comments.values()].find((c) => c.body.includes('root="keys-and-more"'));
    expect(comment?.body).toContain("| `default/api` | live | ✏️ update in place |");
    expect([...server.checkRuns.values()].map((r) => [r.name, r.conclusion])).toContainEqual([
      "ayra-keys review (keys-and-more)",
      "failure",
    ]);
  });

  it("passes a clean change: exit 0, conclusion success", async () => {
    const before = await repo.git("rev-parse", "HEAD");
    await repo.write("more/api.yaml", apiKeyYaml({ name: "api", spec: goodSpec({ owner: "payments" }) }));
    const head = await repo.commit("clean");
    const { env } = await githubEnv(repo.dir, server.url, "actions-token", {
      number: 22,
      headSha: head,
      baseSha: before,
    });
    const run = await runAction(action, { workspace: repo.dir, inputs: { paths: "more" }, github: env });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ conclusion: "success", errors: "0", warnings: "0" });
    expect(run.outputs.report).toMatch(/ayra-keys-review-review\.json$/);
  });

  it("a bad input is a usage error: exit 2, conclusion error, the input named, nothing sent to GitHub", async () => {
    const head = await repo.git("rev-parse", "HEAD");
    const { env } = await githubEnv(repo.dir, server.url, "actions-token", {
      number: 23,
      headSha: head,
      baseSha: base,
    });
    const requests = server.requests.length;
    const run = await runAction(action, {
      workspace: repo.dir,
      inputs: { "fail-on": "sometimes" },
      github: env,
    });
    expect(run.code).toBe(2);
    expect(run.outputs).toEqual({ conclusion: "error" });
    expect(run.stdout).toMatch(
      /::error title=ayra-keys review::input fail-on is "sometimes"; it must be one of error, warning, info, never/,
    );
    expect(server.requests.length).toBe(requests);
  });

  it("renders a kustomize overlay with the kubectl input; a kubectl that is not there is exit 2", async () => {
    await repo.write("gitops/base/kustomization.yaml", "resources: [web.yaml]\n");
    await repo.write("gitops/base/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec() }));
    await repo.write("gitops/prod/kustomization.yaml", "namespace: prod\nresources: [../base]\n");
    const before = await repo.commit("overlay");
    await repo.write(
      "gitops/prod/kustomization.yaml",
      "namespace: prod\nresources: [../base]\npatches:\n  - path: admin.yaml\n",
    );
    await repo.write(
      "gitops/prod/admin.yaml",
      apiKeyYaml({ name: "web", spec: { scopes: ["agents:read", "conversations:read", "agents:write"] } }),
    );
    const head = await repo.commit("widen in prod");
    const { env } = await githubEnv(repo.dir, server.url, "actions-token", {
      number: 25,
      headSha: head,
      baseSha: before,
    });
    const run = await runAction(action, {
      workspace: repo.dir,
      inputs: { paths: "gitops/prod", kubectl: counterpartPaths().kubectl, "fail-on": "warning" },
      github: env,
    });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ conclusion: "failure", errors: "0" });
    const report = JSON.parse(await readFile(run.outputs.report ?? "", "utf8")) as {
      findings: { rule: string; key?: string; location?: { file: string } }[];
    };
    expect(report.findings.find((f) => f.rule === "write-scope-widening")).toMatchObject({
      key: "prod/web",
      location: { file: "gitops/prod/admin.yaml" },
    });

    const missing = await runAction(action, {
      workspace: repo.dir,
      inputs: { paths: "gitops/prod", kubectl: "/nonexistent/kubectl" },
      github: env,
    });
    expect(missing.code).toBe(2);
    expect(missing.outputs).toEqual({ conclusion: "error" });
    expect(missing.stderr).toContain("needs kubectl");
  });

  it("a review that cannot run (an unknown base commit) exits 2 with conclusion error", async () => {
    const head = await repo.git("rev-parse", "HEAD");
    const { env } = await githubEnv(repo.dir, server.url, "actions-token", {
      number: 24,
      headSha: head,
      baseSha: "0123456789abcdef0123456789abcdef01234567",
    });
    const run = await runAction(action, { workspace: repo.dir, inputs: { paths: "keys" }, github: env });
    expect(run.code).toBe(2);
    expect(run.outputs).toEqual({ conclusion: "error" });
    expect(run.stderr).toContain("is not a commit in this repository");
  });
});
