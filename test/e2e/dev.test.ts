// `npm start` as a newcomer runs it: `ayra-keys dev` as a child process on the pinned Node, no cluster
// configured. With the local control plane in the cache (the run's counterparts: a test never rebuilds them) it
// starts everything, applies the example ApiKey and prints commands that work as printed; a second start reuses
// the binaries and the state. Without Go and with an empty cache it keeps the keys service running and says what
// is missing and how to install it.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ManagedProcess, startProcess } from "../harness/processes.ts";
import { waitFor } from "../harness/wait.ts";

const run = promisify(execFile);
const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const KEY_VALUE = /sk_(live|test)_[A-Za-z0-9]{50}/;

function startDev(options: { dataDir: string; home: string; env?: NodeJS.ProcessEnv }): ManagedProcess {
  mkdirSync(join(options.home, "tmp"), { recursive: true });
  return startProcess({
    name: "ayra-keys dev",
    command: process.execPath,
    args: [main, "dev", "--listen", "127.0.0.1:0", "--data-dir", options.dataDir],
    // No kubeconfig anywhere: dev uses its own control plane whatever the machine has.
    env: {
      ...process.env,
      HOME: options.home,
      KUBECONFIG: "",
      TMPDIR: join(options.home, "tmp"),
      ...options.env,
    },
    capture: true,
  });
}

async function banner(dev: ManagedProcess): Promise<string> {
  return waitFor(
    "the dev banner",
    () => (dev.stdout().includes("Ctrl-C stops it all") ? dev.stdout() : undefined),
    { timeoutMs: 90_000, context: () => `${dev.stdout()}\n${dev.output()}` },
  );
}

/** Ctrl-C, as a user stops it; resolves with the exit code. */
async function interrupt(dev: ManagedProcess): Promise<number | null> {
  dev.child.kill("SIGINT");
  const timer = setTimeout(() => void dev.stop({ graceMs: 1_000 }), 30_000);
  const { code } = await dev.exited;
  clearTimeout(timer);
  return code;
}

const field = (text: string, pattern: RegExp) => pattern.exec(text)?.[1] ?? "";

/** Whether anything accepts HTTPS connections there (any status; the serving certificate is self-made). */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/readyz`, { rejectUnauthorized: false, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

describe("npm start (ayra-keys dev) with the local control plane in the cache", () => {
  let home: string;
  let dataDir: string;
  let cacheDir: string;
  const outputs: string[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "ayra-keys-dev-e2e-"));
    dataDir = join(home, "data");
    // …/counterparts/etcd-<version>/bin/etcd → the cache dir the builder reads from AYRA_KEYS_CACHE_DIR.
    cacheDir = dirname(dirname(dirname(dirname(inject("counterparts").etcd))));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("starts the whole loop: the example ApiKey gets its Secret, and the printed KUBECONFIG and review work", async () => {
    const dev = startDev({ dataDir, home, env: { AYRA_KEYS_CACHE_DIR: cacheDir } });
    let secretValue = "";
    try {
      const text = await banner(dev);
      outputs.push(dev.stdout() + dev.stderr());
      expect(text).toMatch(/keys service\s+http:\/\/127\.0\.0\.1:\d+/);
      expect(text).toMatch(/control plane\s+https:\/\/127\.0\.0\.1:\d+ .*binaries reused from/);
      expect(text).not.toMatch(/building the local control plane/);
      expect(text).toMatch(/controller\s+https:\/\/127\.0\.0\.1:\d+\s+\(the local control plane/);
      expect(text).toMatch(/applied examples\/k8s\/apikey\.yaml: ApiKey default\/web → Secret web-ayra-key/);

      // The printed KUBECONFIG is a file in the data folder, and kubectl works through it.
      const kubeconfig = field(text, /export KUBECONFIG=(\S+)/);
      expect(kubeconfig).toBe(join(dataDir, "kubeconfig"));
      const kubectlDir = field(text, /export PATH=([^:\s]+):\$PATH/);
      const { stdout: keys } = await run(join(kubectlDir, "kubectl"), [
        "--kubeconfig",
        kubeconfig,
        "get",
        "apikeys",
        "-n",
        "default",
        "-o",
        "jsonpath={.items[*].metadata.name}",
      ]);
      expect(keys.split(" ")).toContain("web");

      // The admin client reads the Secret the controller made; the value is checked, never shown.
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      const secret = await kc
        .makeApiClient(CoreV1Api)
        .readNamespacedSecret({ name: "web-ayra-key", namespace: "default" });
      secretValue = Buffer.from(secret.data?.apiKey ?? "", "base64").toString("utf8");
      expect(/^sk_test_/.test(secretValue), "the Secret holds a test key").toBe(true);

      // The sample review runs as printed (after `npm run cli --`), and reports the widened scope.
      const reviewArgs = field(text, /npm run cli -- review (.+)/).split(" ");
      const review = await run(process.execPath, [main, "review", ...reviewArgs]);
      expect(review.stdout).toContain("write-scope-widening");
      expect(review.stdout).toContain("adds agents:write");

      // Ctrl-C stops the control plane too: its port no longer answers.
      const server = field(text, /control plane\s+(https:\/\/\S+)/);
      expect(await answers(server)).toBe(true);
      expect(await interrupt(dev)).toBe(0);
      expect(await answers(server)).toBe(false);
    } finally {
      await dev.stop({ graceMs: 15_000 });
    }
    const all = dev.stdout() + dev.stderr();
    expect(KEY_VALUE.test(all), "no key value in dev's output").toBe(false);
    expect(secretValue !== "" && all.includes(secretValue), "the Secret's value in dev's output").toBe(false);
  });

  it("a second start reuses the binaries and the state: the Secret is still there", async () => {
    const dev = startDev({ dataDir, home, env: { AYRA_KEYS_CACHE_DIR: cacheDir } });
    try {
      const text = await banner(dev);
      expect(text).toMatch(/binaries reused from/);
      expect(text).not.toMatch(/building/);
      expect(text).toMatch(/ApiKey default\/web → Secret web-ayra-key/);
      const kc = new KubeConfig();
      kc.loadFromFile(join(dataDir, "kubeconfig"));
      const secret = await kc
        .makeApiClient(CoreV1Api)
        .readNamespacedSecret({ name: "web-ayra-key", namespace: "default" });
      expect(secret.metadata?.name).toBe("web-ayra-key");
      // The state lives in the data folder: nothing is left in the temp dir a start gets.
      expect(existsSync(join(dataDir, "control-plane", "etcd"))).toBe(true);
      expect(readdirSync(join(home, "tmp"))).toEqual([]);
      expect(await interrupt(dev)).toBe(0);
    } finally {
      await dev.stop({ graceMs: 15_000 });
    }
    expect(KEY_VALUE.test(dev.stdout() + dev.stderr())).toBe(false);
  });
});

describe("npm start without Go and with an empty cache", () => {
  it("keeps the keys service running and says what is missing and how to install it", async () => {
    const home = await mkdtemp(join(tmpdir(), "ayra-keys-dev-nogo-"));
    const path = (process.env.PATH ?? "")
      .split(delimiter)
      .filter((dir) => dir && !existsSync(join(dir, "go")))
      .join(delimiter);
    const dev = startDev({
      dataDir: join(home, "data"),
      home,
      env: { PATH: path, AYRA_KEYS_CACHE_DIR: join(home, "cache"), GOROOT: "" },
    });
    try {
      const text = await banner(dev);
      const url = field(text, /keys service\s+(http:\/\/\S+)/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(text).toMatch(
        /control plane\s+not started: Go is needed to build the local control plane \(etcd, kube-apiserver, kubectl\) but `go` is not on PATH\. Install Go 1\.26 \(https:\/\/go\.dev\/dl\/\), then run `npm start` again\./,
      );
      expect(text).toMatch(/controller\s+not started: it needs a control plane/);
      expect(text).not.toMatch(/KUBECONFIG/);
      expect(text).not.toMatch(/building/);
      // It stays up: the keys service still answers after the report.
      expect(dev.hasExited).toBe(false);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(existsSync(join(home, "cache", "counterparts"))).toBe(false);
      expect(await interrupt(dev)).toBe(0);
    } finally {
      await dev.stop({ graceMs: 15_000 });
      await rm(home, { recursive: true, force: true });
    }
    expect(KEY_VALUE.test(dev.stdout() + dev.stderr())).toBe(false);
  });
});
