// `ayra-keys dev --kubeconfig` naming a kubeconfig that is not there: the keys service still runs, and it says
// why the controller did not start (the local control plane and the whole loop: test/e2e/dev.test.ts).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const main = new URL("../main.ts", import.meta.url).pathname;

describe("ayra-keys dev", () => {
  it("runs the keys service and says why the controller could not reach the named cluster", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ayra-keys-dev-"));
    const child = spawn(
      process.execPath,
      [
        main,
        "dev",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        join(dir, "data"),
        "--kubeconfig",
        join(dir, "absent-kubeconfig"),
      ],
      {
        env: { ...process.env, HOME: dir, KUBECONFIG: "", KUBERNETES_SERVICE_HOST: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += String(c);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner:\n${out}`)), 20_000);
        child.stdout.on("data", () => {
          if (out.includes("Ctrl-C stops it all")) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      expect(out).toMatch(/keys service\s+http:\/\/127\.0\.0\.1:\d+/);
      expect(out).toMatch(/controller\s+not started: .*absent-kubeconfig/);
      expect(out).not.toMatch(/control plane/);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000); // a child process on a shared machine
});
