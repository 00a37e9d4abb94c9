// Exec credential plugins (client.authentication.k8s.io v1 and v1beta1), as kubectl runs them: the command
// with its args and env, KUBERNETES_EXEC_INFO describing the request (and the cluster when the kubeconfig
// asks for it), and an ExecCredential read from stdout: a bearer token, or a client certificate and key,
// valid until expirationTimestamp. This is how EKS (aws eks get-token), GKE (gke-gcloud-auth-plugin) and
// AKS (kubelogin) hand out credentials. The controller never has a terminal, so it runs them non-interactive.
import { isAbsolute, join } from "node:path";
import { KubeconfigError } from "./kubeconfig-errors.ts";

const API_VERSIONS = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"] as const;
export type ExecApiVersion = (typeof API_VERSIONS)[number];

export interface ExecConfig {
  apiVersion: ExecApiVersion;
  /** Resolved: a relative path with a slash is taken from the kubeconfig's folder; a bare name from PATH. */
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  installHint?: string;
  /** The cluster as KUBERNETES_EXEC_INFO.spec.cluster, when the kubeconfig sets provideClusterInfo. */
  cluster?: Record<string, unknown>;
  /** Where it was configured, for messages: `user "eks" in /home/me/.kube/config`. */
  origin: string;
}

export interface ExecCredential {
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  /** Epoch ms; undefined: valid until the API server answers 401. */
  expiresAt?: number;
}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === "object" && v !== null && !Array.isArray(v);

/** A kubeconfig user's `exec` section, checked; `cluster` is the context's cluster entry. */
export function parseExecConfig(
  exec: unknown,
  where: { origin: string; base: string; files: readonly string[]; cluster: Fields },
): ExecConfig {
  const fail = (rule: string): never => {
    throw new KubeconfigError("FileInvalid", `${where.origin}: exec.${rule}`, where.files);
  };
  if (!isObject(exec)) return fail("must be a mapping");
  const apiVersion = exec.apiVersion;
  if (!API_VERSIONS.includes(apiVersion as ExecApiVersion))
    throw new KubeconfigError(
      "Unsupported",
      `${where.origin}: exec.apiVersion ${JSON.stringify(apiVersion)} is not supported; use ${API_VERSIONS.join(" or ")}`,
      where.files,
    );
  if (typeof exec.command !== "string" || exec.command === "") return fail("command is required");
  const args = exec.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) return fail("args must be strings");
  const env = exec.env ?? [];
  if (
    !Array.isArray(env) ||
    !env.every((e) => isObject(e) && typeof e.name === "string" && typeof e.value === "string")
  )
    return fail("env must be a list of {name, value} strings");
  if (exec.interactiveMode === "Always")
    throw new KubeconfigError(
      "Unsupported",
      `${where.origin}: exec.interactiveMode Always needs a terminal, which the controller never has; use a plugin mode that runs without one`,
      where.files,
    );
  const command = exec.command;
  return {
    apiVersion: apiVersion as ExecApiVersion,
    command: command.includes("/") && !isAbsolute(command) ? join(where.base, command) : command,
    args: args as string[],
    env: env as { name: string; value: string }[],
    ...(typeof exec.installHint === "string" ? { installHint: exec.installHint } : {}),
    ...(exec.provideClusterInfo === true ? { cluster: execCluster(where.cluster) } : {}),
    origin: where.origin,
  };
}

// KUBERNETES_EXEC_INFO.spec.cluster: the kubeconfig cluster's fields, with the CA inline and the plugin's
// own configuration from the cluster's extension, as client-go passes them.
function execCluster(cluster: Fields): Fields {
  const out: Fields = {};
  for (const k of [
    "server",
    "tls-server-name",
    "insecure-skip-tls-verify",
    "certificate-authority-data",
    "proxy-url",
    "disable-compression",
  ])
    if (cluster[k] !== undefined) out[k] = cluster[k];
  const extensions = Array.isArray(cluster.extensions) ? cluster.extensions : [];
  const own = extensions.find((e) => isObject(e) && e.name === "client.authentication.k8s.io/exec");
  if (isObject(own) && own.extension !== undefined) out.config = own.extension;
  return out;
}

/** Runs the plugin once and reads its ExecCredential. */
export async function runExecPlugin(
  exec: ExecConfig,
  options: { timeoutMs?: number } = {},
): Promise<ExecCredential> {
  // Loaded when a plugin first runs: a controller on a token or in a Pod never pays for child_process.
  const { spawn } = await import("node:child_process");
  const info = {
    apiVersion: exec.apiVersion,
    kind: "ExecCredential",
    spec: { interactive: false, ...(exec.cluster ? { cluster: exec.cluster } : {}) },
  };
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const { name, value } of exec.env) env[name] = value;
  const failed = (why: string) =>
    new KubeconfigError(
      "ExecFailed",
      `${exec.origin}: exec plugin ${exec.command} ${why}${exec.installHint ? `\n${exec.installHint}` : ""}`,
    );
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, exec.args, {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => {
      err = (err + c.toString("utf8")).slice(-2_000);
    });
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(
        failed(
          e.code === "ENOENT"
            ? "was not found (not on PATH, or no such file)"
            : `could not start: ${e.message}`,
        ),
      ),
    );
    child.on("close", (code, signal) => {
      // stderr is the plugin's own diagnostics; stdout holds the credential and is never echoed.
      const tail = err.trim() === "" ? "" : `: ${err.trim().slice(-500)}`;
      if (signal !== null) return reject(failed(`was stopped by ${signal}${tail}`));
      if (code !== 0) return reject(failed(`exited with ${code}${tail}`));
      try {
        resolve(readExecCredential(Buffer.concat(out).toString("utf8"), exec.apiVersion));
      } catch (e) {
        reject(failed(`printed no usable ExecCredential: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  });
}

/** The status of an ExecCredential the plugin printed; the reasons it is refused never quote the credential. */
export function readExecCredential(text: string, apiVersion: ExecApiVersion): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error("stdout is not JSON");
  }
  if (!isObject(doc) || doc.kind !== "ExecCredential") throw new Error("kind is not ExecCredential");
  if (doc.apiVersion !== apiVersion)
    throw new Error(`apiVersion ${JSON.stringify(doc.apiVersion)} is not the requested ${apiVersion}`);
  const status = doc.status;
  if (!isObject(status)) throw new Error("status is missing");
  const str = (k: string) =>
    typeof status[k] === "string" && status[k] !== "" ? (status[k] as string) : undefined;
  const token = str("token");
  const cert = str("clientCertificateData");
  const key = str("clientKeyData");
  if ((cert === undefined) !== (key === undefined))
    throw new Error("status.clientCertificateData and status.clientKeyData must be given together");
  if (token === undefined && cert === undefined)
    throw new Error("status has neither token nor clientCertificateData and clientKeyData");
  let expiresAt: number | undefined;
  const expiration = status.expirationTimestamp;
  if (expiration !== undefined && expiration !== null) {
    expiresAt = typeof expiration === "string" ? Date.parse(expiration) : Number.NaN;
    if (Number.isNaN(expiresAt)) throw new Error("status.expirationTimestamp is not an RFC 3339 time");
  }
  return {
    ...(token !== undefined ? { token } : {}),
    ...(cert !== undefined && key !== undefined ? { cert: Buffer.from(cert), key: Buffer.from(key) } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}
