// The one Go build path of `dev` and the test counterparts, on a tiny real module: built into the cache by
// name and version, reused, and a failed build leaves nothing that looks done. The local control plane's
// programs are the counterparts' own etcd and kubernetes builds.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { counterpartPaths } from "../../test/counterparts/build.ts";
import { LocalControlPlaneBuild, NoWrapperModulesError } from "./binaries.ts";
import { binDir, buildGoProgram, GoBuildError, type GoProgram, isBuilt } from "./go-build.ts";

let dir: string;
const saved = process.env.AYRA_KEYS_CACHE_DIR;

function program(name: string, source: string): GoProgram {
  const moduleDir = join(dir, name);
  execFileSync("mkdir", ["-p", moduleDir]);
  writeFileSync(join(moduleDir, "go.mod"), `module example.com/${name}\n\ngo 1.26\n`);
  writeFileSync(join(moduleDir, "main.go"), source);
  return {
    name,
    version: "v0.0.1",
    moduleDir,
    packages: ["."],
    output: name,
    ldflags: ["-s", "-w"],
    coldSeconds: 1,
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ayra-keys-go-build-"));
  process.env.AYRA_KEYS_CACHE_DIR = join(dir, "cache");
});
afterAll(() => {
  if (saved === undefined) delete process.env.AYRA_KEYS_CACHE_DIR;
  else process.env.AYRA_KEYS_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe("buildGoProgram", () => {
  it("builds into the cache under name-version, with progress lines, and the binary runs", async () => {
    const hello = program("hello", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n');
    expect(isBuilt(hello)).toBe(false);
    const lines: string[] = [];
    await buildGoProgram(hello, { log: (line) => lines.push(line), quiet: true });
    expect(binDir(hello)).toBe(join(dir, "cache", "counterparts", "hello-v0.0.1", "bin"));
    expect(isBuilt(hello)).toBe(true);
    expect(execFileSync(join(binDir(hello), "hello"), { encoding: "utf8" })).toBe("hello\n");
    expect(lines[0]).toMatch(/^building hello v0\.0\.1 \(a cold build takes about 1 s/);
    expect(lines.at(-1)).toMatch(/^built hello v0\.0\.1 in \d+ s → /);
    expect(readdirSync(join(dir, "cache", "counterparts", "hello-v0.0.1"))).toEqual(["bin"]);
  }, 120_000);

  it("fails with go's own message and leaves no binaries behind", async () => {
    const broken = program("broken", "package main\n\nfunc main() { undefinedCall() }\n");
    const failure = buildGoProgram(broken, { log: () => {}, quiet: true });
    await expect(failure).rejects.toThrow(GoBuildError);
    await expect(failure).rejects.toThrow(/undefined: undefinedCall/);
    expect(isBuilt(broken)).toBe(false);
    const entry = join(dir, "cache", "counterparts", "broken-v0.0.1");
    expect(existsSync(entry) ? readdirSync(entry) : []).toEqual([]);
  }, 120_000);
});

describe("a stopped build", () => {
  it("kills go and publishes nothing", async () => {
    const slow = program(
      "stopped",
      'package main\n\nimport "net/http"\n\nfunc main() { _ = http.ListenAndServe("", nil) }\n',
    );
    const stop = new AbortController();
    const build = buildGoProgram(slow, { log: () => stop.abort(), quiet: true, signal: stop.signal });
    await expect(build).rejects.toThrow(/abort/i);
    expect(isBuilt(slow)).toBe(false);
    const entry = join(dir, "cache", "counterparts", "stopped-v0.0.1");
    expect(existsSync(entry) ? readdirSync(entry) : []).toEqual([]);
  }, 120_000);
});

describe("the local control plane's binaries", () => {
  it("are the test counterparts' etcd, kube-apiserver and kubectl (one build serves both)", () => {
    const ours = LocalControlPlaneBuild.fromCheckout().paths();
    const tests = counterpartPaths();
    expect(ours).toEqual({ etcd: tests.etcd, kubeApiserver: tests.kubeApiserver, kubectl: tests.kubectl });
  });

  it("says plainly when the wrapper modules are absent (an installed package, not a checkout)", () => {
    expect(() => LocalControlPlaneBuild.fromCheckout(dir)).toThrow(NoWrapperModulesError);
    expect(() => LocalControlPlaneBuild.fromCheckout(dir)).toThrow(/built from a checkout of ayra-keys/);
  });
});
