// Reviewing a Helm chart the policy names: both sides rendered by the real helm (`helm template`, local
// chart only), the rendered ApiKeys reviewed, a field set in a values file reported at that file's line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { counterpartPaths } from "../../counterparts/build.ts";
import { runCli } from "./fixtures/cli.ts";
import { goodSpec, TestRepo } from "./fixtures/git-repo.ts";

type Report = {
  plan: { key: string; action: string; location?: { file: string; line: number } }[];
  findings: { rule: string; message: string; key?: string; location?: { file: string; line: number } }[];
};

const helm = counterpartPaths().helm;
const CHART = "deploy/charts/keys";

const TEMPLATE = `{{- range $name, $spec := .Values.keys }}
---
apiVersion: keys.ayra.ai/v1alpha1
kind: ApiKey
metadata:
  name: {{ $name }}
spec:
{{ toYaml $spec | indent 2 }}
{{- end }}
`;

async function review(repo: TestRepo, base: string) {
  const result = await runCli(["review", "--base", base, "--output", "json", "--helm", helm, "--", CHART], {
    cwd: repo.dir,
  });
  return { ...result, report: result.stdout ? (JSON.parse(result.stdout) as Report) : undefined };
}

describe("review of a Helm chart named in the policy", () => {
  let repo: TestRepo;
  let base: string;

  beforeAll(async () => {
    repo = await TestRepo.create();
    await repo.write(
      ".ayra-keys.yaml",
      stringify({ charts: [{ chart: CHART, values: [`${CHART}/values-prod.yaml`], namespace: "keys" }] }),
    );
    await repo.write(`${CHART}/Chart.yaml`, stringify({ apiVersion: "v2", name: "keys", version: "0.1.0" }));
    await repo.write(`${CHART}/templates/apikeys.yaml`, TEMPLATE);
    await repo.write(`${CHART}/values.yaml`, stringify({ keys: {} }));
    await repo.write(`${CHART}/values-prod.yaml`, stringify({ keys: { web: goodSpec() } }));
    base = await repo.commit("chart");
  });

  afterAll(async () => {
    await repo?.dispose();
  });

  it("reports a scope widening at the values file that makes it", async () => {
    const widened = goodSpec({ scopes: ["agents:read", "conversations:read", "agents:write"] });
    await repo.write(`${CHART}/values-prod.yaml`, stringify({ keys: { web: widened } }));
    await repo.commit("widen");
    const { code, report, stderr } = await review(repo, base);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(report?.plan.map((r) => [r.key, r.action, r.location?.file])).toEqual([
      ["keys/web", "new-key", `${CHART}/templates/apikeys.yaml`],
    ]);
    const widening = report?.findings.find((f) => f.rule === "write-scope-widening");
    expect(widening?.key).toBe("keys/web");
    expect(widening?.location?.file).toBe(`${CHART}/values-prod.yaml`);
    const text = await repo.git("show", `HEAD:${CHART}/values-prod.yaml`);
    const line = text.split("\n").findIndex((l) => l.trim().startsWith("scopes:")) + 1;
    expect(widening?.location?.line).toBe(line);
    // The template is not read as a plain manifest: no invalid-manifest finding for its {{ }}.
    expect(report?.findings.filter((f) => f.rule === "invalid-manifest")).toEqual([]);
  });

  it("refuses a chart whose dependency would come from a chart repository", async () => {
    const before = await repo.git("rev-parse", "HEAD");
    await repo.write(
      `${CHART}/Chart.yaml`,
      stringify({
        apiVersion: "v2",
        name: "keys",
        version: "0.1.0",
        dependencies: [{ name: "extra", version: "1.0.0", repository: "https://charts.example.com" }],
      }),
    );
    await repo.commit("remote dependency");
    const { code, report } = await review(repo, before);
    expect(code).toBe(1);
    const refusal = report?.findings.find((f) => f.rule === "render-failed");
    expect(refusal?.location?.file).toBe(`${CHART}/Chart.yaml`);
    expect(refusal?.message).toContain("extra from https://charts.example.com, not vendored in charts/");
    expect(report?.plan).toEqual([]);
  });
});
