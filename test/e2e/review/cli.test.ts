// `ayra-keys review` over real git repositories: one plan label per kind of edit (contract 2), the
// three output formats, exit codes and thresholds, the policy file read from the base, path scoping.
import { mkdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanRow, ReviewReport } from "../../../review/report.ts";
import { runCli } from "./fixtures/cli.ts";
import { apiKeyYaml, goodSpec, TestRepo } from "./fixtures/git-repo.ts";

const json = (stdout: string) => JSON.parse(stdout) as ReviewReport;

describe("ayra-keys review: the plan of each kind of edit", () => {
  type Edit = {
    name: string;
    key: string;
    before?: Record<string, unknown>;
    after?: Record<string, unknown>;
    action: PlanRow["action"];
    summary: RegExp;
    rule?: string;
  };
  const EDITS: Edit[] = [
    {
      name: "a new key is created",
      key: "created",
      after: goodSpec(),
      action: "create",
      summary:
        /^new live key · agents:read, conversations:read · expires 90d after each mint · rotates every 30d$/,
    },
    {
      name: "a new display name is patched in place",
      key: "renamed",
      before: goodSpec(),
      after: goodSpec({ displayName: "Web App" }),
      action: "update-in-place",
      summary: /same key, updated in place \(displayName\)/,
    },
    {
      name: "a new lifetime mints a new key and keeps the old one for the grace period",
      key: "relifed",
      before: goodSpec(),
      after: goodSpec({ expiresAfter: "60d" }),
      action: "new-key",
      summary: /new key \(expiresAfter\); the old key keeps working for 7d/,
    },
    {
      name: "added write scopes mint a new key and widen access",
      key: "widened",
      before: goodSpec(),
      after: goodSpec({ scopes: ["agents:read", "conversations:read", "contacts:write"] }),
      action: "new-key",
      summary: /new key \(scopes\)/,
      rule: "write-scope-widening",
    },
    {
      name: "added read scopes widen access, noted",
      key: "read-widened",
      before: goodSpec(),
      after: goodSpec({ scopes: ["agents:read", "conversations:read", "analytics:read"] }),
      action: "new-key",
      summary: /new key \(scopes\)/,
      rule: "scope-widening",
    },
    {
      name: "a rotation change only changes the schedule",
      key: "rescheduled",
      before: goodSpec(),
      after: goodSpec({ rotation: { every: "14d", gracePeriod: "3d" } }),
      action: "schedule-change",
      summary: /same key, new rotation schedule \(rotation\.every, rotation\.gracePeriod\)/,
    },
    {
      name: "a Secret change keeps the key",
      key: "redelivered",
      before: goodSpec(),
      after: goodSpec({ secret: { name: "web-key-v2" } }),
      action: "delivery-change",
      summary: /same key, delivered differently \(secret\.name\)/,
    },
    {
      name: "a new environment is refused, with the delete and create it needs",
      key: "moved",
      before: goodSpec(),
      after: goodSpec({ environment: "test" }),
      action: "environment-change",
      summary: /refused by the API server: environment live → test needs a delete and a create/,
      rule: "environment-change",
    },
    {
      name: "deleting a live key revokes it",
      key: "deleted",
      before: goodSpec(),
      action: "revoke",
      summary: /live key is revoked at once/,
      rule: "live-key-deleted",
    },
    {
      name: "deleting a retained key leaves it working",
      key: "retained",
      before: goodSpec({ deletionPolicy: "Retain" }),
      action: "retain",
      summary: /keeps working but is no longer managed/,
      rule: "key-retained",
    },
  ];

  let repo: TestRepo;
  let report: ReviewReport;
  let markdown: string;
  let annotations: string;

  beforeAll(async () => {
    repo = await TestRepo.create();
    for (const e of EDITS)
      if (e.before) await repo.write(`keys/${e.key}.yaml`, apiKeyYaml({ name: e.key, spec: e.before }));
    await repo.write("keys/same.yaml", apiKeyYaml({ name: "same", spec: goodSpec() }));
    await repo.commit("base");
    await repo.branch("change");
    for (const e of EDITS) {
      if (e.after) await repo.write(`keys/${e.key}.yaml`, apiKeyYaml({ name: e.key, spec: e.after }));
      else await repo.remove(`keys/${e.key}.yaml`);
    }
    // The same lifetime written in ISO 8601 is no change.
    await repo.write(
      "keys/same.yaml",
      apiKeyYaml({ name: "same", spec: goodSpec({ expiresAfter: "P90D" }) }),
    );
    await repo.commit("edits");
    const run = await runCli(["review", "--base", "main", "--head", "change", "--output", "json"], {
      cwd: repo.dir,
    });
    expect(run.stderr).toBe("");
    report = json(run.stdout);
    markdown = (await runCli(["review", "--base", "main", "--head", "change"], { cwd: repo.dir })).stdout;
    annotations = (await runCli(["review", "--base", "main", "--output", "annotations"], { cwd: repo.dir }))
      .stdout;
  });

  afterAll(async () => {
    await repo?.dispose();
  });

  it.each(EDITS)("$name", (e) => {
    const row = report.plan.find((r) => r.key === `default/${e.key}`);
    expect(row?.action).toBe(e.action);
    expect(row?.summary).toMatch(e.summary);
    if (e.rule)
      expect(report.findings.map((f) => `${f.rule} ${f.key}`)).toContain(`${e.rule} default/${e.key}`);
  });

  it("counts an equivalent spelling as unchanged", () => {
    expect(report.plan.find((r) => r.key === "default/same")).toBeUndefined();
    expect(report.unchanged).toBe(1);
  });

  it("renders the verdict and risks first, then the plan table and collapsed details", () => {
    const verdict = markdown.indexOf("### ❌ ayra-keys review fails");
    const risks = markdown.indexOf("**Risks**");
    const plan = markdown.indexOf("**Plan** — 10 keys change, 1 unchanged");
    const details = markdown.indexOf("<details>");
    expect([verdict, risks, plan, details].every((i) => i >= 0)).toBe(true);
    expect(verdict < risks && risks < plan && plan < details).toBe(true);
    expect(markdown).toContain(
      "| `default/relifed` | live | 🔁 new key, old one kept for grace | new key (expiresAfter); the old key keeps working for 7d |",
    );
    expect(markdown).toContain("expiresAfter: 90d → 60d");
    expect(markdown).toMatch(
      /Reviewed head `[0-9a-f]{12}` against base `[0-9a-f]{12}` \(merge base with `main`\)/,
    );
  });

  it("writes workflow-command annotations with file, line and column", () => {
    expect(annotations).toMatch(
      /^::error file=keys\/moved\.yaml,line=\d+,endLine=\d+,col=\d+,endColumn=\d+,title=ayra-keys%3A environment-change \(default\/moved\)::/m,
    );
    expect(annotations).toMatch(
      /^::warning title=ayra-keys%3A live-key-deleted \(default\/deleted\)::.*\(keys\/deleted\.yaml:\d+ in the base\)$/m,
    );
    expect(annotations).toMatch(/^::notice file=keys\/read-widened\.yaml.*scope-widening/m);
  });
});

describe("ayra-keys review: exit codes, policy and paths", () => {
  let repo: TestRepo;
  let base: string;

  beforeAll(async () => {
    repo = await TestRepo.create();
    await repo.write(".ayra-keys.yaml", "rules:\n  poor-name: error\nfailOn: error\n");
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec() }));
    await repo.write(
      "other/web.yaml",
      apiKeyYaml({ name: "other", namespace: "elsewhere", spec: goodSpec() }),
    );
    base = await repo.commit("base");
  });

  afterAll(async () => {
    await repo?.dispose();
  });

  async function change(name: string, files: Record<string, string>): Promise<string> {
    await repo.checkout(base);
    await repo.branch(name);
    for (const [path, content] of Object.entries(files)) await repo.write(path, content);
    return repo.commit(name);
  }

  it("applies the base's policy even when the change relaxes it, and says the policy changed", async () => {
    await change("relax", {
      ".ayra-keys.yaml": "rules:\n  poor-name: off\nfailOn: never\n",
      "keys/web.yaml": apiKeyYaml({ name: "web", spec: goodSpec({ displayName: "Key 1" }) }),
    });
    const run = await runCli(["review", "--base", "main", "--output", "json", "keys"], { cwd: repo.dir });
    const report = json(run.stdout);
    expect(run.code).toBe(1);
    expect(report.policy).toEqual({ source: ".ayra-keys.yaml", failOn: "error" });
    expect(report.findings).toContainEqual(expect.objectContaining({ rule: "poor-name", severity: "error" }));
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        rule: "policy-changed",
        severity: "info",
        location: expect.objectContaining({ file: ".ayra-keys.yaml" }),
      }),
    );
  });

  it.each([
    { name: "warnings pass by default", args: [], code: 0 },
    { name: "--fail-on warning fails on a warning", args: ["--fail-on", "warning"], code: 1 },
    { name: "--fail-on never passes anything", args: ["--fail-on", "never"], code: 0 },
  ])("$name", async ({ args, code }) => {
    await change(`threshold-${code}-${args.length}`, {
      "keys/web.yaml": apiKeyYaml({
        name: "web",
        spec: goodSpec({ rotation: { every: "30d", gracePeriod: "0s" } }),
      }),
    });
    const run = await runCli(["review", "--base", "main", ...args, "keys"], { cwd: repo.dir });
    expect(run.stdout).toContain("live-zero-grace");
    expect(run.code).toBe(code);
  });

  it("reports a broken policy file at its lines and keeps its valid settings", async () => {
    await mkdir(`${repo.dir}/ci`, { recursive: true });
    await repo.checkout(base);
    await repo.write(
      "ci/policy.yaml",
      "rules:\n  invalid-spec: off\n  poor-name: warning\nfailOn: sometimes\nmaxLiveLifetimeDays: 30\n",
    );
    const run = await runCli(["review", "--base", "main", "--policy", "ci/policy.yaml", "--output", "json"], {
      cwd: repo.dir,
    });
    const report = json(run.stdout);
    const policyFindings = report.findings.filter((f) => f.rule === "invalid-policy");
    expect(policyFindings.map((f) => [f.location?.line, f.message])).toEqual([
      [2, expect.stringMatching(/invalid-spec cannot be configured/)],
      [4, expect.stringMatching(/failOn must be one of: error, warning, info, never; it is "sometimes"/)],
    ]);
    expect(report.policy.failOn).toBe("error"); // the broken failOn is dropped, the default applies
    expect(run.code).toBe(1);
    await repo.remove("ci/policy.yaml");
  });

  it("plans only the given paths but scans the whole diff for pasted keys unless the policy says paths", async () => {
    const literal = ["sk", "live", "x".repeat(30)].join("_");
    await change("scoped", {
      "other/web.yaml": apiKeyYaml({
        name: "other",
        namespace: "elsewhere",
        spec: goodSpec({ owner: "someone" }),
      }),
      "notes.txt": `token ${literal}\n`,
    });
    const scoped = json(
      (await runCli(["review", "--base", "main", "--output", "json", "keys"], { cwd: repo.dir })).stdout,
    );
    expect(scoped.plan).toEqual([]);
    expect(scoped.root).toBe("keys");
    expect(scoped.findings.map((f) => `${f.rule} ${f.location?.file}:${f.location?.line}`)).toEqual([
      "key-literal notes.txt:1",
    ]);
    const whole = json(
      (await runCli(["review", "--base", "main", "--output", "json"], { cwd: repo.dir })).stdout,
    );
    expect(whole.plan.map((r) => r.key)).toEqual(["elsewhere/other"]);
    expect(whole.root).toBe(".");
  });

  it("compares with the merge base, so keys added on the base branch meanwhile are not in the plan", async () => {
    await repo.checkout(base);
    await repo.branch("feature");
    await repo.write("keys/feature.yaml", apiKeyYaml({ name: "feature", spec: goodSpec() }));
    await repo.commit("feature key");
    await repo.checkout("main");
    await repo.write("keys/mainline.yaml", apiKeyYaml({ name: "mainline", spec: goodSpec() }));
    await repo.commit("meanwhile on main");
    const run = await runCli(["review", "--base", "main", "--head", "feature", "--output", "json"], {
      cwd: `${repo.dir}/keys`,
    });
    const report = json(run.stdout);
    expect(report.plan.map((r) => `${r.key} ${r.action}`)).toEqual(["default/feature create"]);
    expect(report.base?.sha).toBe(base);
  });

  it.each([
    {
      name: "an unknown --base",
      args: ["--base", "no-such-branch"],
      message: /--base "no-such-branch" is not a commit in this repository\. Fetch it first/,
    },
    { name: "nothing to review", args: [], message: /Nothing to review: give --base/ },
    {
      name: "a missing event log",
      args: ["--pulumi-events", "missing.json"],
      message: /cannot read the Pulumi event log missing\.json: ENOENT/,
    },
    {
      name: "a path outside the repository",
      args: ["--base", "main", "../elsewhere"],
      message: /is outside the repository/,
    },
  ])("exits 2 with a clear message for $name", async ({ args, message }) => {
    const run = await runCli(["review", ...args], { cwd: repo.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });
});
