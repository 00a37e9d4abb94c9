// The published package installs with production dependencies only (`npm install --omit=dev`, and the image
// adds --omit=peer): every module it ships imports only node: builtins, "dependencies" and, for the Pulumi
// entry points, the peers. The `ayra-keys` command never reaches a peer, and "dependencies" holds nothing
// that only tests use.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  importGraph,
  packageOf,
  resolveRelative,
  runtimeImports,
  shippedSources,
} from "../support/module-imports.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
};
const SHIPPED = ["cli", "controller", "core", "keyservice", "provider", "review"] as const;
const dependencies = new Set(Object.keys(pkg.dependencies));
const peers = new Set(Object.keys(pkg.peerDependencies));

const sources = shippedSources(root, SHIPPED);
const allImports = sources.flatMap((file) => runtimeImports(root, file));

describe("what the package imports at run time", () => {
  it("reads the imports it checks (the scan is not blind)", () => {
    const of = (file: string) => runtimeImports(root, file).map((i) => i.specifier);
    expect(of("keyservice/logger.ts")).toContain("pino");
    // createRequire(...)("yaml") and require() in generated CommonJS count; `import type` does not.
    expect(of("controller/kube/kubeconfig.ts")).toContain("yaml");
    expect(of("core/spec/generated/apikey-schema-validator.cjs")).toContain("ajv-formats/dist/formats");
    expect(of("provider/runtime/engine-log.ts")).not.toContain("@grpc/grpc-js");
    expect(of("provider/provider-object.ts")).not.toContain("@pulumi/pulumi");
    // A command's lazily loaded modules count: import() with a literal.
    expect(of("cli/commands/serve.ts")).toContain("../../keyservice/key-service.ts");
    expect(sources).toContain("provider/policy/pack/index.js");
    expect(sources.some((f) => f.endsWith(".test.ts"))).toBe(false);
  });

  it("imports only node: builtins, dependencies and peers from every shipped module", () => {
    const offending = allImports
      .map((i) => ({ ...i, pkg: packageOf(i.specifier) }))
      .filter((i) => i.pkg !== undefined && !dependencies.has(i.pkg) && !peers.has(i.pkg))
      .map((i) => `${i.from} → ${i.specifier}`);
    expect(offending).toEqual([]);
  });

  it("never reaches a peer dependency from the ayra-keys command", () => {
    const entry = pkg.bin["ayra-keys"]?.replace(/^dist\//, "").replace(/\.js$/, ".ts");
    expect(entry).toBe("cli/main.ts");
    const graph = importGraph(root, entry ?? "");
    // Every command's module is in the graph (they load lazily, through import() with a literal).
    expect(graph.files).toContain("keyservice/key-service.ts");
    expect(graph.files).toContain("controller/controller.ts");
    expect(graph.files).toContain("cli/commands/review-run.ts");
    const reached = graph.imports
      .map((i) => ({ ...i, pkg: packageOf(i.specifier) }))
      .filter((i) => i.pkg !== undefined && peers.has(i.pkg))
      .map((i) => `${i.from} → ${i.specifier}`);
    expect(reached).toEqual([]);
  });

  it("keeps shipped modules inside the shipped folders", () => {
    const outside = allImports
      .filter((i) => i.specifier.startsWith("."))
      .map((i) => ({ from: i.from, to: resolveRelative(root, i) }))
      .filter(({ to }) => ![...SHIPPED, "schemas"].some((f) => to === f || to.startsWith(`${f}/`)))
      .map(({ from, to }) => `${from} → ${to}`);
    expect(outside).toEqual([]);
  });

  it("lists in dependencies only what shipped modules import", () => {
    const used = new Set(allImports.map((i) => packageOf(i.specifier)));
    expect([...dependencies].filter((d) => !used.has(d))).toEqual([]);
  });
});

describe("package.json", () => {
  const semver = (v: string) => v.split(".").map(Number) as [number, number, number];

  it("declares the Pulumi SDKs as peers, policy optional, and tests with an exact version in range", () => {
    expect(pkg.peerDependencies).toEqual({
      "@pulumi/pulumi": expect.stringMatching(/^\^3\.\d+\.\d+$/),
      "@pulumi/policy": expect.stringMatching(/^\^1\.\d+\.\d+$/),
    });
    expect(pkg.peerDependenciesMeta).toEqual({ "@pulumi/policy": { optional: true } });
    for (const peer of peers) {
      expect(dependencies.has(peer), `${peer} is not also a dependency`).toBe(false);
      const tested = pkg.devDependencies[peer] ?? "";
      expect(tested, `${peer} in devDependencies, pinned`).toMatch(/^\d+\.\d+\.\d+$/);
      // ^a.b.c: same major, at least a.b.c.
      const [min, have] = [semver(pkg.peerDependencies[peer]?.slice(1) ?? ""), semver(tested)];
      expect(have[0], `${peer} major`).toBe(min[0]);
      expect(have[1] * 1e6 + have[2], `${peer} at least the range's floor`).toBeGreaterThanOrEqual(
        min[1] * 1e6 + min[2],
      );
    }
  });

  it("keeps the Kubernetes client, which only tests use, out of dependencies", () => {
    expect(pkg.devDependencies["@kubernetes/client-node"]).toBeDefined();
    expect(dependencies.has("@kubernetes/client-node")).toBe(false);
  });
});
