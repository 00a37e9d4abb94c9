// examples/github/review.yml never hands a write-capable credential to code from a branch: pull-request
// jobs see only the read-only key and GITHUB_TOKEN; jobs with write secrets run in a GitHub Environment
// and only on a push to the default branch.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "./fixtures/action-runner.ts";

type Step = { uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> };
type Job = {
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  steps: Step[];
};
type Workflow = {
  on: Record<string, { branches?: string[]; paths?: string[] } | null>;
  permissions: unknown;
  jobs: Record<string, Job>;
};

const DEFAULT_BRANCH = "main";
const PULL_REQUEST_SECRETS = new Set(["AYRA_READONLY_API_KEY", "GITHUB_TOKEN"]);
const PUSH_TO_DEFAULT = `github.event_name == 'push' && github.ref == 'refs/heads/${DEFAULT_BRANCH}'`;

/** Every secret a job names, in any expression anywhere in it. */
function secretsOf(job: Job): string[] {
  const text = JSON.stringify(job);
  return [...text.matchAll(/\$\{\{[^}]*?\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? "");
}

function onlyOnPushToDefault(job: Job): boolean {
  return job.if?.replace(/\s+/g, " ").trim() === PUSH_TO_DEFAULT;
}

describe("examples/github/review.yml", () => {
  let workflow: Workflow;

  beforeAll(async () => {
    workflow = parse(await readFile(join(repoRoot, "examples/github/review.yml"), "utf8")) as Workflow;
  });

  it("is triggered by pull requests and by pushes to the default branch, never pull_request_target", () => {
    expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push"]);
    expect(workflow.on.push?.branches).toEqual([DEFAULT_BRANCH]);
    expect(JSON.stringify(workflow)).not.toContain("pull_request_target");
  });

  it("gives jobs a pull request runs only the read-only key and GITHUB_TOKEN", () => {
    const pullRequestJobs = Object.entries(workflow.jobs).filter(([, job]) => !onlyOnPushToDefault(job));
    expect(pullRequestJobs.map(([name]) => name).sort()).toEqual(["manifests", "preview"]);
    for (const [name, job] of pullRequestJobs) {
      for (const secret of secretsOf(job))
        expect(PULL_REQUEST_SECRETS.has(secret), `${name} uses secrets.${secret}`).toBe(true);
      expect(job.environment, `${name} must not name an environment`).toBeUndefined();
      expect(JSON.stringify(job)).not.toMatch(/PULUMI_ACCESS_TOKEN/);
    }
    expect(secretsOf(workflow.jobs.preview as Job)).toEqual(["AYRA_READONLY_API_KEY"]);
  });

  it("keeps write secrets in a GitHub Environment, used only on a push to the default branch", () => {
    const writers = Object.entries(workflow.jobs).filter(([, job]) =>
      secretsOf(job).some((s) => !PULL_REQUEST_SECRETS.has(s)),
    );
    expect(writers.map(([name]) => name)).toEqual(["deploy"]);
    for (const [name, job] of writers) {
      expect(job.environment, `${name} needs environment:`).toBe("production");
      expect(onlyOnPushToDefault(job), `${name} must run only on a push to ${DEFAULT_BRANCH}`).toBe(true);
      expect(job.permissions).toEqual({ contents: "read" });
    }
    expect(secretsOf(workflow.jobs.deploy as Job).sort()).toEqual(["AYRA_API_KEY", "PULUMI_ACCESS_TOKEN"]);
  });

  it("grants nothing by default and review jobs only what the review writes", () => {
    expect(workflow.permissions).toEqual({});
    for (const name of ["manifests", "preview"]) {
      const job = workflow.jobs[name] as Job;
      expect(job.permissions).toEqual({ contents: "read", "pull-requests": "write", checks: "write" });
      expect(job.steps[0]).toMatchObject({ uses: "actions/checkout@v4", with: { "fetch-depth": 0 } });
      expect(job.steps.at(-1)?.uses).toBe("ayra-ai/ayra-keys@v0");
    }
  });

  it("feeds the preview job's event log to the review", () => {
    const steps = workflow.jobs.preview?.steps ?? [];
    expect(steps.some((s) => s.run?.includes("pulumi preview") && s.run.includes("--event-log"))).toBe(true);
    expect(steps.at(-1)?.with?.["pulumi-events"]).toContain("preview-events.json");
  });
});
