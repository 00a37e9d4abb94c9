// `npm start` as a newcomer runs it on a machine with no cluster: `ayra-keys dev` starts the keys service and,
// because this checkout has built the counterparts, a local control plane with the controller; an ApiKey
// applied with kubectl then gets its Secret.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { startProcess } from "../harness/processes.ts";
import { waitFor } from "../harness/wait.ts";

const run = promisify(execFile);
const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));

describe("ayra-keys dev without a cluster", () => {
  it("starts a local control plane and the controller, and an applied ApiKey gets its Secret", async () => {
    const paths = inject("counterparts");
    const home = await mkdtemp(join(tmpdir(), "ayra-keys-dev-e2e-"));
    const dev = startProcess({
      name: "ayra-keys dev",
      command: process.execPath,
      args: [main, "dev", "--listen", "127.0.0.1:0", "--data-dir", join(home, "data")],
      // No kubeconfig anywhere; the counterparts are found in this run's cache.
      env: {
        ...process.env,
        HOME: home,
        KUBECONFIG: "",
        KUBERNETES_SERVICE_HOST: "",
        AYRA_KEYS_CACHE_DIR: dirname(dirname(dirname(dirname(paths.etcd)))),
      },
      capture: true,
    });
    try {
      const banner = await waitFor(
        "the dev banner",
        () => (dev.stdout().includes("Ctrl-C stops it") ? dev.stdout() : undefined),
        {
          timeoutMs: 60_000,
          context: () => dev.output(),
        },
      );
      expect(banner).toMatch(/controller\s+https:\/\/127\.0\.0\.1:\d+\s+\(a local control plane/);
      const kubeconfig = /export KUBECONFIG=(\S+)/.exec(banner)?.[1] ?? "";
      const kubectl = (...args: string[]) => run(paths.kubectl, ["--kubeconfig", kubeconfig, ...args]);
      await kubectl(
        "apply",
        "-n",
        "default",
        "-f",
        fileURLToPath(new URL("../../examples/k8s/analytics-dashboard.yaml", import.meta.url)),
      );
      const name = await waitFor(
        "the ApiKey's Secret",
        async () => {
          const { stdout } = await kubectl(
            "get",
            "secrets",
            "-n",
            "default",
            "-o",
            "jsonpath={.items[*].metadata.name}",
          );
          return stdout.split(" ").find((n) => n.startsWith("analytics"));
        },
        { timeoutMs: 30_000, context: () => dev.output() },
      );
      expect(name).toBeTruthy();
    } finally {
      await dev.stop({ graceMs: 15_000 });
      await rm(home, { recursive: true, force: true });
    }
    expect(dev.stdout() + dev.stderr()).not.toMatch(/sk_(live|test)_[A-Za-z0-9]{50}/);
  });
});
