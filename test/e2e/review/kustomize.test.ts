// Reviewing what GitOps applies: a reviewed folder with a kustomization.yaml is rendered on both sides
// by the real kubectl (its built-in kustomize) and the rendered ApiKeys are reviewed, findings pointing
// at the file a person edits. Untrusted kustomizations: remote bases and exec plugins are refused.
import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { kustomizeArgs } from "../../../review/gitops/kustomize-render.ts";
import { runTool } from "../../../review/gitops/render-tools.ts";
import { counterpartPaths } from "../../counterparts/build.ts";
import { runCli } from "./fixtures/cli.ts";
import { apiKeyYaml, goodSpec, TestRepo } from "./fixtures/git-repo.ts";

type Report = {
  plan: { key: string; action: string; location?: { file: string; line: number } }[];
  findings: {
    rule: string;
    severity: string;
    message: string;
    key?: string;
    location?: { file: string; line: number };
  }[];
  failed: boolean;
};

const kubectl = counterpartPaths().kubectl;

async function review(repo: TestRepo, base: string, paths: string[], extra: string[] = []) {
  const result = await runCli(
    ["review", "--base", base, "--output", "json", "--kubectl", kubectl, ...extra, "--", ...paths],
    { cwd: repo.dir },
  );
  return { ...result, report: result.stdout ? (JSON.parse(result.stdout) as Report) : undefined };
}

describe("review of a kustomize overlay", () => {
  let repo: TestRepo;
  let base: string;

  beforeAll(async () => {
    repo = await TestRepo.create();
    await repo.write("keys/base/kustomization.yaml", stringify({ resources: ["web.yaml"] }));
    await repo.write("keys/base/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec() }));
    await repo.write(
      "keys/overlays/prod/kustomization.yaml",
      stringify({ namespace: "prod", resources: ["../../base"] }),
    );
    base = await repo.commit("base and overlay");
  });

  afterAll(async () => {
    await repo?.dispose();
  });

  it("reports a scope widening made by an overlay's patch, at the patch file's line", async () => {
    await repo.write(
      "keys/overlays/prod/kustomization.yaml",
      stringify({ namespace: "prod", resources: ["../../base"], patches: [{ path: "widen-scopes.yaml" }] }),
    );
    await repo.write(
      "keys/overlays/prod/widen-scopes.yaml",
      [
        "apiVersion: keys.ayra.ai/v1alpha1",
        "kind: ApiKey",
        "metadata:",
        "  name: web",
        "spec:",
        "  scopes:",
        "    - agents:read",
        "    - conversations:read",
        "    - agents:write",
        "",
      ].join("\n"),
    );
    await repo.commit("widen in prod");
    const { code, report, stderr } = await review(repo, base, ["keys/overlays/prod"]);
    expect(stderr).toBe("");
    expect(code).toBe(0); // a warning; failOn is error
    const widening = report?.findings.find((f) => f.rule === "write-scope-widening");
    expect(widening?.key).toBe("prod/web");
    expect(widening?.message).toContain("agents:write");
    expect(widening?.location?.file).toBe("keys/overlays/prod/widen-scopes.yaml");
    expect([6, 9]).toContain(widening?.location?.line);
    // The rendered key (namespace from the overlay) is planned as a new key with grace; the row points at
    // the resource's own file, which kustomize's origin annotation names.
    expect(report?.plan).toEqual([
      expect.objectContaining({
        key: "prod/web",
        action: "new-key",
        location: expect.objectContaining({ file: "keys/base/web.yaml", line: 4 }),
      }),
    ]);
    // The patch file is not read as a manifest of its own (it is not a whole ApiKey).
    expect(report?.findings.filter((f) => f.rule === "invalid-spec")).toEqual([]);
  });

  it("read as plain files (a parent folder), the overlay's patch is not taken for an ApiKey of its own", async () => {
    const { code, report } = await review(repo, base, ["keys"]);
    expect(report?.findings.filter((f) => ["invalid-spec", "duplicate-key"].includes(f.rule))).toEqual([]);
    expect(code).toBe(0);
  });

  it("refuses a remote base with a clear error finding, and reviews nothing from it", async () => {
    const before = await repo.git("rev-parse", "HEAD");
    await repo.write(
      "keys/overlays/remote/kustomization.yaml",
      stringify({ resources: ["https://github.com/acme/keys//base?ref=v1", "../../base"] }),
    );
    await repo.commit("remote base");
    const { code, report } = await review(repo, before, ["keys/overlays/remote"]);
    expect(code).toBe(1);
    const refusal = report?.findings.find((f) => f.rule === "render-failed");
    expect(refusal).toMatchObject({
      severity: "error",
      location: { file: "keys/overlays/remote/kustomization.yaml", line: 1 },
    });
    expect(refusal?.message).toContain("https://github.com/acme/keys//base?ref=v1 is remote");
    expect(report?.plan).toEqual([]);
  });

  it("does not run an exec plugin: the review refuses it, and kubectl as the review runs it would too", async () => {
    const marker = join(await mkdtemp(join(tmpdir(), "ayra-keys-plugin-")), "ran");
    const before = await repo.git("rev-parse", "HEAD");
    await repo.write(
      "keys/overlays/exec/kustomization.yaml",
      stringify({ resources: ["../../base"], transformers: ["exec-fn.yaml"] }),
    );
    await repo.write(
      "keys/overlays/exec/exec-fn.yaml",
      stringify({
        apiVersion: "example.com/v1",
        kind: "Widen",
        metadata: {
          name: "widen",
          annotations: { "config.kubernetes.io/function": stringify({ exec: { path: "./fn.sh" } }) },
        },
      }),
    );
    await repo.write("keys/overlays/exec/fn.sh", `#!/bin/sh\ntouch ${marker}\ncat\n`);
    await repo.git("update-index", "--add", "--chmod=+x", "keys/overlays/exec/fn.sh");
    await repo.commit("exec plugin");
    const { code, report } = await review(repo, before, ["keys/overlays/exec"]);
    expect(code).toBe(1);
    const refusal = report?.findings.find((f) => f.rule === "render-failed");
    expect(refusal?.location?.file).toBe("keys/overlays/exec/exec-fn.yaml");
    expect(refusal?.message).toContain("config.kubernetes.io/function");
    expect(existsSync(marker)).toBe(false);

    // The second fence: kubectl with the review's arguments on the same folder refuses the function too.
    const home = await mkdtemp(join(tmpdir(), "ayra-keys-home-"));
    try {
      const run = await runTool(kubectl, kustomizeArgs("keys/overlays/exec"), { cwd: repo.dir, home });
      expect(run.ok ? "" : run.message).toContain("external plugins disabled");
      expect(existsSync(marker)).toBe(false);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it("names kubectl and how to install it when it is missing (exit 2)", async () => {
    const head = await repo.git("rev-parse", "HEAD");
    const missing = await runCli(
      [
        "review",
        "--base",
        base,
        "--head",
        head,
        "--kubectl",
        "/nonexistent/kubectl",
        "--",
        "keys/overlays/prod",
      ],
      {
        cwd: repo.dir,
      },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("needs kubectl");
    expect(missing.stderr).toContain("/nonexistent/kubectl (from --kubectl) is not an executable file");
    // A PATH with git and no kubectl: a folder holding only a link to git.
    const gitOnlyPath = await mkdtemp(join(tmpdir(), "ayra-keys-path-"));
    await symlink(await repo.git("--exec-path").then((dir) => join(dir, "git")), join(gitOnlyPath, "git"));
    const noPath = await runCli(["review", "--base", base, "--", "keys/overlays/prod"], {
      cwd: repo.dir,
      env: { PATH: gitOnlyPath, AYRA_KEYS_KUBECTL: "" },
    });
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toContain("it is not on PATH");
    expect(noPath.stderr).toContain("install kubectl");
    await rm(gitOnlyPath, { recursive: true, force: true });
  });
});
