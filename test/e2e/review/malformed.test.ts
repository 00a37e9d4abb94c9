// Malformed input never crashes the review: each odd file becomes a finding with its place and a
// sentence saying what is wrong, and the good keys beside it are still planned.
import { symlink } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding, ReviewReport } from "../../../review/report.ts";
import { runCli } from "./fixtures/cli.ts";
import { apiKeyYaml, goodSpec, TestRepo } from "./fixtures/git-repo.ts";

const header = (name: string) =>
  `apiVersion: keys.ayra.ai/v1alpha1\nkind: ApiKey\nmetadata:\n  name: ${name}\n`;
const spec = `spec:\n  displayName: Production Web Application\n  environment: live\n  scopes: [agents:read]\n  expiresAfter: 90d\n`;

function bomb(): string {
  const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let i = 1; i < 9; i++) {
    const name = String.fromCharCode(97 + i);
    const prev = `*${String.fromCharCode(96 + i)}`;
    levels.push(`${name}: &${name} [${Array(9).fill(prev).join(", ")}]`);
  }
  return `${header("bomb")}spec:\n  displayName: Bomb\n  environment: live\n  scopes: [agents:read]\n  x:\n${levels.map((l) => `    ${l}`).join("\n")}\n`;
}

type Case = {
  name: string;
  file: string;
  content: string | Uint8Array;
  rule: Finding["rule"];
  message: RegExp;
  /** Text on the line the finding must point at; absent: line 1 or no line. */
  lineOf?: string;
};

const CASES: Case[] = [
  {
    name: "an unterminated quote",
    file: "keys/broken-quote.yaml",
    content: `${header("quote")}spec:\n  displayName: "Production Web\n  environment: live\n`,
    rule: "invalid-manifest",
    message: /is not valid YAML: .*\(MISSING_CHAR\)/,
  },
  {
    name: "a tab used for indentation",
    file: "keys/tabbed.yaml",
    content: `${header("tabbed")}spec:\n\tdisplayName: Web\n`,
    rule: "invalid-manifest",
    message: /is not valid YAML/,
  },
  {
    name: "a billion-laughs YAML bomb",
    file: "keys/bomb.yaml",
    content: bomb(),
    rule: "invalid-manifest",
    message: /expands more than 100 aliases, which looks like a YAML bomb/,
    lineOf: "spec:",
  },
  {
    name: "one huge alias repeated a thousand times",
    file: "keys/huge-alias.yaml",
    content: `${header("alias")}spec:\n  displayName: &d Web\n  environment: live\n  scopes: [${Array(1000).fill("*d").join(", ")}]\n`,
    rule: "invalid-manifest",
    message: /looks like a YAML bomb/,
  },
  {
    name: "a file over 1 MiB",
    file: "keys/huge.yaml",
    content: `${header("huge")}${spec}  description: ${"x".repeat(1_200_000)}\n`,
    rule: "unreadable-file",
    message: /is 1\.1 MiB, more than the 1 MiB a manifest may have/,
  },
  {
    name: "flow collections nested fifty thousand deep",
    file: "keys/deep.yaml",
    content: `# keys.ayra.ai/v1alpha1 ApiKey\n${"[".repeat(50_000)}${"]".repeat(50_000)}\n`,
    rule: "invalid-manifest",
    message: /deep\.yaml (is a list|nests too deeply|is not valid YAML)/,
  },
  {
    name: "a misspelt kind in the keys group",
    file: "keys/kind.yaml",
    content: `apiVersion: keys.ayra.ai/v1alpha1\nkind: ApiKeys\nmetadata: {name: kind}\n${spec}`,
    rule: "invalid-manifest",
    message:
      /kind "ApiKeys" is not a kind of keys\.ayra\.ai; its only kind is ApiKey\. Did you mean ApiKey\?/,
    lineOf: "kind:",
  },
  {
    name: "an apiVersion that is not served",
    file: "keys/version.yaml",
    content: `apiVersion: keys.ayra.ai/v1\nkind: ApiKey\nmetadata: {name: version}\n${spec}`,
    rule: "invalid-manifest",
    message: /apiVersion "keys\.ayra\.ai\/v1" is not served; ApiKey is keys\.ayra\.ai\/v1alpha1/,
    lineOf: "apiVersion:",
  },
  {
    name: "kind ApiKey in the core group",
    file: "keys/core.yaml",
    content: `apiVersion: v1\nkind: ApiKey\nmetadata: {name: core}\n${spec}`,
    rule: "invalid-manifest",
    message: /kind ApiKey needs apiVersion keys\.ayra\.ai\/v1alpha1, not "v1"/,
    lineOf: "apiVersion:",
  },
  {
    name: "a namespace/name declared twice",
    file: "keys/duplicate.yaml",
    content: apiKeyYaml({ name: "good", namespace: "shop", spec: goodSpec({ displayName: "Another" }) }),
    rule: "duplicate-key",
    message: /ApiKey shop\/good is declared again here; it is already declared at keys\/good\.yaml:4/,
    lineOf: "name: good",
  },
  {
    name: "a field written twice",
    file: "keys/twice.yaml",
    content: `${header("twice")}spec:\n  displayName: Web\n  displayName: Web App\n`,
    rule: "invalid-manifest",
    message: /Map keys must be unique \(DUPLICATE_KEY\)/,
    lineOf: "displayName: Web App",
  },
  {
    name: "a binary file named .yaml",
    file: "keys/binary.yaml",
    content: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x00, 0xff]),
    rule: "unreadable-file",
    message: /is a binary file \(it contains NUL bytes\), not YAML/,
  },
  {
    name: "Latin-1 text",
    file: "keys/latin1.yaml",
    content: Buffer.from(`${header("latin")}spec:\n  displayName: Caf\xe9\n`, "latin1"),
    rule: "unreadable-file",
    message: /is not UTF-8 text/,
  },
  {
    name: "a top-level list",
    file: "keys/list.yaml",
    content: `- apiVersion: keys.ayra.ai/v1alpha1\n  kind: ApiKey\n`,
    rule: "invalid-manifest",
    message: /is a list, not a Kubernetes object with apiVersion and kind/,
  },
  {
    name: "an ApiKey without a name",
    file: "keys/nameless.yaml",
    content: `apiVersion: keys.ayra.ai/v1alpha1\nkind: ApiKey\nmetadata:\n  namespace: shop\n${spec}`,
    rule: "invalid-manifest",
    message: /metadata\.name is required on an ApiKey/,
  },
  {
    name: "a name that is not a Kubernetes name",
    file: "keys/bad-name.yaml",
    content: `${header("Web_Key")}${spec}`,
    rule: "invalid-manifest",
    message: /metadata\.name "Web_Key" is not a Kubernetes name/,
    lineOf: "name: Web_Key",
  },
  {
    name: "an ApiKey without a spec",
    file: "keys/specless.yaml",
    content: header("specless"),
    rule: "invalid-spec",
    message: /An ApiKey spec must be an object, not nothing/,
  },
  {
    name: "an unknown scope, at its line and column",
    file: "keys/scope.yaml",
    content: `${header("scope")}spec:\n  displayName: Web\n  environment: live\n  expiresAfter: 90d\n  scopes:\n    - agents:read\n    - billing:write\n`,
    rule: "invalid-spec",
    message: /scopes\[1\] is "billing:write", which is not an Ayra scope/,
    lineOf: "billing:write",
  },
  {
    name: "a grace period as long as the rotation",
    file: "keys/grace.yaml",
    content: `${header("grace")}${spec}  rotation:\n    every: 30d\n    gracePeriod: 30d\n`,
    rule: "invalid-spec",
    message: /rotation\.gracePeriod \(30d\) must be shorter than rotation\.every \(30d\)/,
    lineOf: "gracePeriod",
  },
  {
    name: "a broken document between two good ones",
    file: "keys/multi.yaml",
    content: `${header("first")}${spec}---\n${header("middle")}spec: [unclosed\n---\n${header("third")}${spec}`,
    rule: "invalid-manifest",
    message: /keys\/multi\.yaml \(document 2\) is not valid YAML/,
  },
  {
    name: "a bad item in a kind: List",
    file: "keys/list-kind.yaml",
    content: `apiVersion: v1\nkind: List\nitems:\n  - ${header("listed-ok").trimEnd().replace(/\n/g, "\n    ")}\n    ${spec.trimEnd().replace(/\n/g, "\n    ")}\n  - ${header("listed-bad").trimEnd().replace(/\n/g, "\n    ")}\n    spec:\n      displayName: Bad\n      environment: prod\n      scopes: [agents:read]\n`,
    rule: "invalid-spec",
    message: /environment must be one of: live, test; it is "prod"/,
    lineOf: "environment: prod",
  },
  {
    name: "a BOM and CRLF line endings",
    file: "keys/windows.yaml",
    content: `\ufeff${header("windows")}${spec}  expiresAt: tomorrow\n`.replace(/\n/g, "\r\n"),
    rule: "invalid-spec",
    message: /expiresAt must be an RFC 3339 date-time/,
    lineOf: "expiresAt",
  },
  {
    name: "a JSON manifest with a syntax error",
    file: "keys/broken.json",
    content: `{"apiVersion": "keys.ayra.ai/v1alpha1", "kind": "ApiKey", "metadata": {"name": "json"}, "spec": {`,
    rule: "invalid-manifest",
    message: /broken\.json is not valid YAML/,
  },
];

function lineOf(content: Case["content"], text: string | undefined): number | undefined {
  if (text === undefined || typeof content !== "string") return undefined;
  return content.split(/\r?\n/).findIndex((line) => line.includes(text)) + 1;
}

describe("the review of malformed manifests", () => {
  let repo: TestRepo;
  let report: ReviewReport;
  let stderr: string;
  let code: number;

  beforeAll(async () => {
    repo = await TestRepo.create();
    await repo.write("keys/good.yaml", apiKeyYaml({ name: "good", namespace: "shop", spec: goodSpec() }));
    const base = await repo.commit("base");
    for (const c of CASES) await repo.write(c.file, c.content);
    await repo.write("keys/empty.yaml", "# nothing here yet\n---\n");
    await repo.write(
      "keys/deployment.yaml",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
    );
    // A symlink named like a manifest: git stores it as a link, the review skips it.
    await symlink("good.yaml", `${repo.dir}/keys/link.yaml`);
    await repo.commit("malformed");
    const run = await runCli(["review", "--base", base, "--head", "HEAD", "--output", "json", "keys"], {
      cwd: repo.dir,
    });
    ({ stderr, code } = run);
    report = JSON.parse(run.stdout) as ReviewReport;
  });

  afterAll(async () => {
    await repo?.dispose();
  });

  it("finishes with findings, not a crash", () => {
    expect(stderr).toBe("");
    expect(code).toBe(1);
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES)("reports $name", (c) => {
    const found = report.findings.filter((f) => f.location?.file === c.file);
    const match = found.find((f) => f.rule === c.rule && c.message.test(f.message));
    expect(match, JSON.stringify(found, null, 1)).toBeDefined();
    const line = lineOf(c.content, c.lineOf);
    if (line !== undefined) expect(match?.location?.line).toBe(line);
  });

  it("still plans the good keys beside the broken ones", () => {
    const planned = report.plan.map((r) => `${r.key} ${r.action}`);
    expect(planned).toEqual(
      expect.arrayContaining([
        "default/first create",
        "default/third create",
        "default/listed-ok create",
        "default/listed-bad invalid",
      ]),
    );
  });

  it("says nothing about empty files, other kinds and symlinks", () => {
    const files = new Set(report.findings.map((f) => f.location?.file));
    for (const quiet of ["keys/empty.yaml", "keys/deployment.yaml", "keys/link.yaml"])
      expect(files.has(quiet)).toBe(false);
  });
});
