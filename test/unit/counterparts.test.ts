// The pinned versions live in versions.json; the committed wrapper modules must agree with it, or the
// cache (keyed by version) would hold binaries built from something else.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { counterpartPaths, versions } from "../counterparts/build.ts";

const goMod = (name: string) =>
  readFileSync(new URL(`../counterparts/${name}/go.mod`, import.meta.url), "utf8");

describe("the counterpart wrapper modules", () => {
  it.each([
    { module: "kubernetes", line: `require k8s.io/kubernetes ${versions.kubernetes}` },
    { module: "etcd", line: `require go.etcd.io/etcd/server/v3 ${versions.etcd}` },
    { module: "pulumi", line: `github.com/pulumi/pulumi/pkg/v3 ${versions.pulumi}` },
    { module: "pulumi", line: `github.com/pulumi/pulumi/sdk/v3 ${versions.pulumi}` },
  ])("$module's go.mod pins $line", ({ module, line }) => {
    expect(goMod(module)).toContain(line);
  });

  it("replaces every Kubernetes staging module with the matching published version", () => {
    const replaces = goMod("kubernetes").match(/^\tk8s\.io\/\S+ => k8s\.io\/\S+ (v\S+)$/gm) ?? [];
    expect(replaces.length).toBeGreaterThan(20);
    for (const line of replaces) expect(line.endsWith(versions.kubernetesStaging)).toBe(true);
  });

  it("keys the binary cache by version", () => {
    const paths = counterpartPaths();
    expect(paths.kubeApiserver).toContain(`kubernetes-${versions.kubernetes}`);
    expect(paths.etcd).toContain(`etcd-${versions.etcd}`);
    expect(paths.pulumi).toContain(`pulumi-${versions.pulumi}`);
    expect(paths.pulumi.startsWith(paths.pulumiRoot)).toBe(true);
  });
});
