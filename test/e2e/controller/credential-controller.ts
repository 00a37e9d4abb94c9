// The controller process with its key in a credential Secret (no key file, no environment variable), and
// helpers the credential tests share: the Secret, reading its record, and the keys-API metric by status.

import { type CredentialRecord, readCredentialRecord } from "../../../core/planner/credential-record.ts";
import type { ControlPlaneInfo } from "../../harness/control-plane.ts";
import { cliMain, type KubeHelper } from "../../harness/controller.ts";
import { freePort } from "../../harness/ports.ts";
import { type ManagedProcess, startProcess } from "../../harness/processes.ts";
import { waitFor } from "../../harness/wait.ts";

export const SECRET = "controller-credential";

export interface CredentialController {
  process: ManagedProcess;
  url: string;
  lines: string[];
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export async function startCredentialController(options: {
  info: ControlPlaneInfo;
  namespace: string;
  keysUrl: string;
  args: string[];
  name?: string;
  /** Default: the admin's kubeconfig. */
  kubeconfigPath?: string;
  /** Default: the test namespace's `controller-credential`, field `api-key`. */
  secret?: { ref: string; key: string };
}): Promise<CredentialController> {
  const port = await freePort();
  const lines: string[] = [];
  const proc = startProcess({
    name: options.name ?? "controller",
    command: process.execPath,
    args: [
      cliMain,
      "controller",
      "--kubeconfig",
      options.kubeconfigPath ?? options.info.kubeconfigPath,
      "--namespace",
      options.namespace,
      "--api-url",
      options.keysUrl,
      "--credential-secret",
      options.secret?.ref ?? `${options.namespace}/${SECRET}`,
      "--credential-secret-key",
      options.secret?.key ?? "api-key",
      "--cluster-id",
      "e2e",
      "--listen",
      `127.0.0.1:${port}`,
      "--drift-interval",
      "2s",
      "--no-leader-elect",
      ...options.args,
    ],
    env: { ...process.env, AYRA_API_KEY: "", AYRA_KEYS_LOG_LEVEL: "debug" },
    keepLines: 400,
  });
  for (const stream of [proc.child.stdout, proc.child.stderr])
    stream?.on("data", (chunk: Buffer | string) => {
      for (const line of String(chunk).split("\n")) if (line) lines.push(line);
    });
  const url = `http://127.0.0.1:${port}`;
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
    lines,
    stop: () => proc.stop({ graceMs: 10_000 }).then(() => undefined),
    kill: () => proc.kill().then(() => undefined),
  };
}

/** The credential Secret holding `value` in `api-key`, as an installer would create it. */
export async function createCredentialSecret(kube: KubeHelper, value: string): Promise<void> {
  await kube.rest.create(`/api/v1/namespaces/${kube.namespace}/secrets`, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: SECRET, namespace: kube.namespace },
    type: "Opaque",
    data: { "api-key": Buffer.from(value).toString("base64") },
  });
}

export async function readCredential(
  kube: KubeHelper,
): Promise<{ value: string; record: CredentialRecord; annotations: Record<string, string> }> {
  const secret = await kube.secret(SECRET);
  const raw = secret.data?.["api-key"] ?? "";
  const annotations = secret.metadata.annotations ?? {};
  return {
    value: Buffer.from(raw, "base64").toString("utf8"),
    record: readCredentialRecord(annotations),
    annotations,
  };
}

/** `ayra_keys_controller_keys_api_requests_total` by "operation status", from the controller's /metrics. */
export async function keysApiStatuses(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^ayra_keys_controller_keys_api_requests_total\{([^}]*)\} (\S+)$/.exec(line);
    const labels = m?.[1] ?? "";
    const status = /status="([^"]*)"/.exec(labels)?.[1];
    const operation = /operation="([^"]*)"/.exec(labels)?.[1];
    if (m && status !== undefined) counts.set(`${operation} ${status}`, Number(m[2]));
  }
  return counts;
}

/** A counter of the controller's /metrics, by its labels as written (e.g. `result="rotated"`). */
export async function metricValue(url: string, name: string, labels = ""): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}
