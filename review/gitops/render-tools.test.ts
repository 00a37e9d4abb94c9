import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findTool, RenderToolMissingError, runTool } from "./render-tools.ts";

describe("render tools", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ayra-keys-tools-"));
    await writeFile(join(dir, "kubectl"), '#!/bin/sh\necho "PATH=[$PATH] HOME=$HOME"\n', { mode: 0o755 });
    await writeFile(join(dir, "helm"), "not executable", { mode: 0o644 });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds a tool by flag, then variable, then PATH; an unusable one is named with the fix", async () => {
    expect(await findTool("kubectl", {}, { PATH: `/nonexistent:${dir}` }, "x")).toBe(join(dir, "kubectl"));
    expect(await findTool("kubectl", {}, { AYRA_KEYS_KUBECTL: join(dir, "kubectl") }, "x")).toBe(
      join(dir, "kubectl"),
    );
    await expect(findTool("helm", { helm: join(dir, "helm") }, {}, "the chart c")).rejects.toThrow(
      `the chart c needs helm, and ${join(dir, "helm")} (from --helm) is not an executable file`,
    );
    await expect(findTool("helm", {}, { PATH: dir }, "the chart c")).rejects.toBeInstanceOf(
      RenderToolMissingError,
    );
  });

  it("runs a tool with no PATH and a scratch HOME", async () => {
    const run = await runTool(join(dir, "kubectl"), [], { cwd: dir, home: join(dir, "home") });
    expect(run).toEqual({ ok: true, stdout: `PATH=[] HOME=${join(dir, "home")}\n` });
  });

  it("stops a tool that runs past its time limit", async () => {
    const started = performance.now();
    const run = await runTool("/bin/sleep", ["30"], { cwd: dir, home: dir, timeoutMs: 300 });
    expect(run).toEqual({ ok: false, message: "did not finish within 0.3 s" });
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
