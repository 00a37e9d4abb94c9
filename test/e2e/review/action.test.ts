// action.yml and examples/github/review.yml as written: the action's review step runs in bash the way
// the runner runs it (inputs through the environment), against the local GitHub server; the example
// workflow asks for the least permissions the review needs.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadGitHubDescription } from "../../harness/github/openapi.ts";
import { LocalGitHub } from "../../harness/github/server.ts";
import { apiKeyYaml, goodSpec, TestRepo } from "./fixtures/git-repo.ts";
import { githubEnv } from "./fixtures/github-env.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

type Step = {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
};
type Action = {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
};
type Workflow = {
  permissions: unknown;
  jobs: Record<string, { permissions: Record<string, string>; steps: Step[] }>;
};

// The subset of GitHub's expression syntax the action uses: ${{ inputs.x }} and ${{ github.token }}.
function evaluate(text: string, inputs: Record<string, string>, action: Action, token: string): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    if (expression === "github.token") return token;
    const name = /^inputs\.([\w-]+)$/.exec(expression)?.[1];
    if (name === undefined) throw new Error(`unsupported expression ${expression}`);
    const value = inputs[name] ?? action.inputs[name]?.default ?? "";
    return evaluate(value, inputs, action, token);
  });
}

function bash(script: string, env: Record<string, string>, cwd: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "bash",
      ["--noprofile", "--norc", "-eo", "pipefail", "-c", script],
      { cwd, env },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("action.yml", () => {
  let action: Action;
  let server: LocalGitHub;
  let repo: TestRepo;

  beforeAll(async () => {
    action = parse(await readFile(`${root}action.yml`, "utf8")) as Action;
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
    await repo.commit("base");
  });

  afterAll(async () => {
    expect(server.violations).toEqual([]);
    await server?.close();
    await repo?.dispose();
  });

  it("is a composite action on Node 24", () => {
    expect(action.runs.using).toBe("composite");
    expect(action.runs.steps[0]).toMatchObject({
      uses: "actions/setup-node@v4",
      with: { "node-version": 24 },
    });
  });

  it("runs the review step as written, with inputs passed through the environment", async () => {
    const base = await repo.git("rev-parse", "HEAD");
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec({ displayName: "Key 1" }) }));
    await repo.write("more/api.yaml", apiKeyYaml({ name: "api", spec: goodSpec({ owner: "platform" }) }));
    const head = await repo.commit("change");
    const step = action.runs.steps.find((s) => s.id === "review");
    expect(step?.run).toBeDefined();
    const inputs = { paths: "keys\n  more ", "fail-on": "warning", root: "keys-and-more" };
    const stepEnv = Object.fromEntries(
      Object.entries(step?.env ?? {}).map(([k, v]) => [k, evaluate(v, inputs, action, "actions-token")]),
    );
    const { env } = await githubEnv(repo.dir, server.url, "unused", {
      number: 21,
      headSha: head,
      baseSha: base,
    });
    const result = await bash(
      step?.run ?? "",
      {
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
        HOME: process.env.HOME ?? "/tmp",
        ...env,
        ...stepEnv,
        GITHUB_ACTION_PATH: root.replace(/\/$/, ""),
      },
      repo.dir,
    );
    expect(result.stderr).toContain("review comment created");
    expect(result.code).toBe(1); // poor-name is a warning; fail-on: warning
    const [comment] = server.comments.values();
    expect(comment?.body).toContain('<!-- ayra-keys-review root="keys-and-more" -->');
    expect(comment?.body).toContain("poor-name");
    expect(comment?.body).toContain("| `default/api` | live | ✏️ update in place |");
    expect([...server.checkRuns.values()].map((r) => [r.name, r.conclusion])).toEqual([
      ["ayra-keys review (keys-and-more)", "failure"],
    ]);
  });
});

describe("examples/github/review.yml", () => {
  let workflow: Workflow;

  beforeAll(async () => {
    workflow = parse(await readFile(`${root}examples/github/review.yml`, "utf8")) as Workflow;
  });

  it("grants nothing by default and each job only what the review writes", () => {
    expect(workflow.permissions).toEqual({});
    for (const job of Object.values(workflow.jobs)) {
      expect(job.permissions).toEqual({ contents: "read", "pull-requests": "write", checks: "write" });
    }
  });

  it("checks out the history the review compares against", () => {
    for (const job of Object.values(workflow.jobs)) {
      expect(job.steps[0]).toMatchObject({ uses: "actions/checkout@v4", with: { "fetch-depth": 0 } });
      expect(job.steps.some((s) => s.uses?.includes("ayra-keys"))).toBe(true);
    }
  });

  it("feeds the Pulumi job's event log to the review", () => {
    const steps = workflow.jobs.pulumi?.steps ?? [];
    expect(steps.some((s) => s.run?.includes("pulumi preview") && s.run.includes("--event-log"))).toBe(true);
    expect(steps.at(-1)?.with?.["pulumi-events"]).toContain("preview-events.json");
  });
});
