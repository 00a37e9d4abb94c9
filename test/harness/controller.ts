// The ayra-keys controller for end-to-end tests: the CRDs installed once on the shared control plane, the
// controller run as a real process (`node cli/main.ts controller --kubeconfig …`), and small helpers to
// read and write ApiKeys and Secrets as the admin.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeAccess } from "../../controller/kube/kubeconfig.ts";
import { KubeRest } from "../../controller/kube/rest.ts";
import type { SecretObject } from "../../controller/kube/types.ts";
import type { ApiKeyObject } from "../../controller/reconcile/objects.ts";
import { paths } from "../../controller/reconcile/objects.ts";
import { adminKubeConfig, type ControlPlaneInfo } from "./control-plane.ts";
import { type Store, startTestKeyService, type TestKeyService } from "./keys-service.ts";
import { KillSwitch } from "./kill-points.ts";
import { createTestNamespace, type TestNamespace } from "./namespace.ts";
import { type PassThroughProxy, startPassThroughProxy } from "./pass-through-proxy.ts";
import { freePort } from "./ports.ts";
import { type ManagedProcess, startProcess } from "./processes.ts";
import { makeTempDir, removeTempDir } from "./temp-dirs.ts";
import { waitFor } from "./wait.ts";

const run = promisify(execFile);
export const projectRoot = resolve(import.meta.dirname, "..", "..");
export const cliMain = join(projectRoot, "cli", "main.ts");

export async function kubectl(info: ControlPlaneInfo, args: string[], input?: string): Promise<string> {
  const child = run(info.kubectl, ["--kubeconfig", info.kubeconfigPath, ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  if (input !== undefined) child.child.stdin?.end(input);
  return (await child).stdout;
}

/** client-node's KubeConfig (the harness's currency) as the controller's KubeAccess. */
export function accessOf(kc: KubeConfig): KubeAccess {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (cluster === null) throw new Error("the KubeConfig has no cluster");
  const b64 = (v: string | undefined) => (v ? Buffer.from(v, "base64") : undefined);
  return {
    server: cluster.server,
    ca: b64(cluster.caData),
    cert: b64(user?.certData),
    key: b64(user?.keyData),
    token: user?.token,
    insecureSkipTlsVerify: cluster.skipTLSVerify,
  };
}

/** Applies deploy/crd/ (server-side, idempotent) and waits until ApiKeys can be listed. */
export async function ensureCrds(info: ControlPlaneInfo, kc: KubeConfig): Promise<void> {
  await waitFor(
    "the CRDs to apply",
    async () => {
      await kubectl(info, [
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=ayra-keys-tests",
        "-f",
        join(projectRoot, "deploy", "crd"),
      ]);
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const rest = new KubeRest({ access: accessOf(kc) });
  try {
    await waitFor(
      "ApiKeys and ApiKeyPolicies to be listable",
      async () => {
        await rest.get(paths.apiKeys("default"));
        await rest.get(paths.policies());
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  } finally {
    rest.close();
  }
}

export interface ControllerProcess {
  process: ManagedProcess;
  url: string;
  /** The folder holding the controller's management key; removed once the process has exited. */
  dir: string;
  /** Every line the process wrote (JSON logs), for canary scans. */
  lines: string[];
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export interface ControllerProcessOptions {
  info: ControlPlaneInfo;
  /**
   * The kubeconfig the controller uses (default: the admin's, straight to kube-apiserver); null passes no
   * --kubeconfig, so the controller finds its own ($KUBECONFIG in `env`, --context in `args`).
   */
  kubeconfigPath?: string | null;
  /** The CLI entry point to run (default: the source, cli/main.ts; e.g. a compiled dist/cli/main.js). */
  cli?: string;
  namespace: string;
  keysUrl: string;
  apiKey: string;
  args?: string[];
  env?: Record<string, string>;
  name?: string;
  /** Wait for /readyz (default true). */
  waitReady?: boolean;
}

export async function startControllerProcess(options: ControllerProcessOptions): Promise<ControllerProcess> {
  const dir = await makeTempDir("ayra-keys-ctl-");
  const keyFile = join(dir, "api-key");
  await writeFile(keyFile, options.apiKey, { mode: 0o600 });
  const removeDir = () => removeTempDir(dir);
  const port = await freePort();
  const lines: string[] = [];
  const proc = startProcess({
    name: options.name ?? "controller",
    command: process.execPath,
    args: [
      // AYRA_KEYS_CONTROLLER_CLI: run another build of the CLI (e.g. compiled dist/cli/main.js) instead of the source.
      options.cli ?? process.env.AYRA_KEYS_CONTROLLER_CLI ?? cliMain,
      "controller",
      ...(options.kubeconfigPath === null
        ? []
        : ["--kubeconfig", options.kubeconfigPath ?? options.info.kubeconfigPath]),
      "--namespace",
      options.namespace,
      "--api-url",
      options.keysUrl,
      "--api-key-file",
      keyFile,
      "--cluster-id",
      "e2e",
      "--listen",
      `127.0.0.1:${port}`,
      "--drift-interval",
      "2s",
      ...(options.args ?? []),
    ],
    env: { ...process.env, AYRA_KEYS_LOG_LEVEL: "debug", ...options.env },
    keepLines: 400,
  });
  // However the process ends (stopped, killed by a test, crashed), its key does not stay on disk.
  const gone = proc.exited.then(removeDir);
  for (const stream of [proc.child.stdout, proc.child.stderr])
    stream?.on("data", (chunk: Buffer | string) => {
      for (const line of String(chunk).split("\n")) if (line) lines.push(line);
    });
  const url = `http://127.0.0.1:${port}`;
  if (options.waitReady !== false)
    await waitFor(
      "the controller to be ready",
      async () => {
        if (proc.hasExited) throw new Error(`the controller exited:\n${proc.output()}`);
        return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 60_000, intervalMs: 100, context: () => proc.output() },
    );
  return {
    process: proc,
    url,
    dir,
    lines,
    stop: async () => {
      await proc.stop({ graceMs: 10_000 });
      await gone;
    },
    kill: async () => {
      await proc.kill();
      await gone;
    },
  };
}

/**
 * Proxies between one controller and the real servers, so a test sees each call pass (and can kill the
 * controller right after one, see kill-points.ts): one in front of the keys service, one in front of
 * kube-apiserver with a kubeconfig that points the controller at it.
 */
export interface ControllerProxies {
  keysUrl: string;
  kubeconfigPath: string;
  keys: PassThroughProxy;
  kube: PassThroughProxy;
  kills: KillSwitch;
  close(): Promise<void>;
}

export async function startControllerProxies(
  info: ControlPlaneInfo,
  keysUpstream: string,
): Promise<ControllerProxies> {
  const kills = new KillSwitch();
  const keys = await startPassThroughProxy({ upstream: keysUpstream, onPassed: kills.observe });
  const kube = await startPassThroughProxy({
    upstream: info.server,
    ca: info.caPem,
    onPassed: kills.observe,
  });
  kills.watch(keys);
  kills.watch(kube);
  const dir = await makeTempDir("ayra-keys-ctl-proxy-");
  const kubeconfigPath = join(dir, "kubeconfig");
  const kc = adminKubeConfig(info);
  kc.clusters = kc.clusters.map((c) => ({ ...c, server: kube.url, caData: undefined }));
  await writeFile(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
  return {
    keysUrl: keys.url,
    kubeconfigPath,
    keys,
    kube,
    kills,
    async close() {
      await Promise.all([keys.close(), kube.close()]);
      await removeTempDir(dir);
    },
  };
}

/** Admin access to ApiKeys and Secrets in one namespace. */
export class KubeHelper {
  readonly rest: KubeRest;
  readonly namespace: string;
  constructor(kc: KubeConfig, namespace: string) {
    this.rest = new KubeRest({ access: accessOf(kc) });
    this.namespace = namespace;
  }
  apiKey(name: string): Promise<ApiKeyObject> {
    return this.rest.get<ApiKeyObject>(paths.apiKey(this.namespace, name));
  }
  createApiKey(
    name: string,
    spec: Record<string, unknown>,
    annotations?: Record<string, string>,
  ): Promise<ApiKeyObject> {
    return this.rest.create<ApiKeyObject>(paths.apiKeys(this.namespace), {
      apiVersion: "keys.ayra.ai/v1alpha1",
      kind: "ApiKey",
      metadata: { name, namespace: this.namespace, ...(annotations ? { annotations } : {}) },
      spec,
    });
  }
  patchApiKey(name: string, patch: Record<string, unknown>): Promise<ApiKeyObject> {
    return this.rest.mergePatch<ApiKeyObject>(paths.apiKey(this.namespace, name), patch);
  }
  deleteApiKey(name: string): Promise<unknown> {
    return this.rest.delete(paths.apiKey(this.namespace, name));
  }
  secret(name: string): Promise<SecretObject> {
    return this.rest.get<SecretObject>(paths.secret(this.namespace, name));
  }
  async secretValue(name: string, key = "apiKey"): Promise<string | undefined> {
    const s = await this.secret(name).catch(() => undefined);
    const raw = s?.data?.[key];
    return raw === undefined ? undefined : Buffer.from(raw, "base64").toString("utf8");
  }
  /** Waits until the ApiKey is Ready for its current generation with no pending operation. */
  async waitReady(
    name: string,
    predicate: (o: ApiKeyObject) => boolean = () => true,
    timeoutMs = 30_000,
    context?: () => string,
  ): Promise<ApiKeyObject> {
    let last: ApiKeyObject | undefined;
    return waitFor(
      `ApiKey ${name} to be Ready`,
      async () => {
        const o = await this.apiKey(name);
        last = o;
        const ready = o.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
        const current = o.status?.observedGeneration === o.metadata.generation && !o.status?.pending;
        return ready && current && predicate(o) ? o : undefined;
      },
      {
        timeoutMs,
        intervalMs: 100,
        context: () =>
          `last seen: ${JSON.stringify({ metadata: last?.metadata, status: last?.status })}\n${(context ?? this.context)?.() ?? ""}`,
      },
    );
  }
  /** Extra context for timeouts, e.g. the controller's last output. */
  context: (() => string) | undefined;
  async events(): Promise<
    { reason: string; message: string; type: string; involvedObject: { name: string } }[]
  > {
    const list = await this.rest.get<{
      items: { reason: string; message: string; type: string; involvedObject: { name: string } }[];
    }>(`/api/v1/namespaces/${this.namespace}/events`);
    return list.items;
  }
  close(): void {
    this.rest.close();
  }
}

/** What a controller end-to-end file works in: the CRDs, a namespace of its own, a keys service, a helper. */
export interface ControllerTestBed {
  info: ControlPlaneInfo;
  kc: KubeConfig;
  ns: TestNamespace;
  ks: TestKeyService;
  kube: KubeHelper;
  /** Stop controllers first; this closes the helper and the keys service and deletes the namespace. */
  close(): Promise<void>;
}

export async function controllerTestBed(
  info: ControlPlaneInfo,
  namespacePrefix: string,
  store: Store = "sqlite",
): Promise<ControllerTestBed> {
  const kc = adminKubeConfig(info);
  await ensureCrds(info, kc);
  const ns = await createTestNamespace(kc, namespacePrefix);
  const ks = await startTestKeyService(store);
  const kube = new KubeHelper(kc, ns.name);
  return {
    info,
    kc,
    ns,
    ks,
    kube,
    async close() {
      kube.close();
      await ks.close();
      await ns.delete();
    },
  };
}
