// Where the API server is and how to authenticate: kubeconfig files (merged as kubectl merges $KUBECONFIG),
// a context, or the Pod's service account. One loader for `ayra-keys controller` and `ayra-keys dev`.
// Written here rather than taken from client-node, whose KubeConfig loads its whole generated API (the RSS
// figures are in docs/controller.md). Supports bearer tokens (inline or a file re-read so projected tokens
// rotate), client certificates, a CA, tls-server-name, insecure-skip-tls-verify and exec credential plugins.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { KubeconfigError } from "./kubeconfig-errors.ts";
import { type ExecConfig, parseExecConfig } from "./kubeconfig-exec.ts";
import { chooseContext, type Fields, type MergedKubeconfig, mergeKubeconfigs } from "./kubeconfig-merge.ts";

export { isKubeconfigError, KubeconfigError } from "./kubeconfig-errors.ts";

export interface KubeAccess {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  /** Re-read every minute and after a 401 (a projected or bound service-account token rotates). */
  tokenFile?: string;
  /** Run for a token or client certificate; cached until it expires, re-run then and after a 401. */
  exec?: ExecConfig;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
}

export interface KubeconfigOptions {
  /** --kubeconfig: this file only. */
  kubeconfig?: string;
  /** --context: instead of current-context. */
  context?: string;
  /** Default: process.env (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT). */
  env?: NodeJS.ProcessEnv;
  /** Default: /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

// The YAML parser is loaded only to read a kubeconfig file: inside a Pod it is never needed, and loading it
// costs ≈ 6 MB of the controller's RSS.
const parseYaml = (text: string): unknown =>
  (createRequire(import.meta.url)("yaml") as typeof import("yaml")).parse(text);

/** The kubeconfig files to read, in order: --kubeconfig, else the existing files of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigFiles(options: KubeconfigOptions = {}): string[] {
  if (options.kubeconfig !== undefined) return [resolve(options.kubeconfig)];
  const env = options.env ?? process.env;
  const listed = (env.KUBECONFIG ?? "").split(delimiter).filter(Boolean);
  if (listed.length > 0) return [...new Set(listed.map((f) => resolve(f)))].filter((f) => existsSync(f));
  const home = join(env.HOME ?? homedir(), ".kube", "config");
  return existsSync(home) ? [home] : [];
}

/** Whether a cluster is configured at all (a kubeconfig file to read, or a Pod's service account). */
export function hasKubeConfiguration(options: KubeconfigOptions = {}): boolean {
  return kubeconfigFiles(options).length > 0 || inClusterAccess(options) !== undefined;
}

/** --kubeconfig, else $KUBECONFIG (every file, merged), else ~/.kube/config, else in-cluster. */
export function loadKubeAccess(options: KubeconfigOptions = {}): KubeAccess {
  const files = kubeconfigFiles(options);
  if (files.length > 0) return accessFromFiles(files, options.context);
  const inCluster = options.context === undefined ? inClusterAccess(options) : undefined;
  if (inCluster !== undefined) return inCluster;
  const listed = (options.env ?? process.env).KUBECONFIG;
  throw new KubeconfigError(
    options.context === undefined ? "NotConfigured" : "ContextNotFound",
    options.context === undefined
      ? `no Kubernetes cluster configured${listed ? ` (none of the KUBECONFIG files exist: ${listed})` : ""}: pass --kubeconfig, set KUBECONFIG, or run in a Pod`
      : `context "${options.context}" not found: no kubeconfig file to read${listed ? ` (none of the KUBECONFIG files exist: ${listed})` : ""}`,
  );
}

/** Reads and merges the files, then resolves the context to the server and credentials it names. */
export function accessFromFiles(files: readonly string[], context?: string): KubeAccess {
  const parsed = files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new KubeconfigError("FileUnreadable", `kubeconfig ${file} cannot be read: ${codeOf(e)}`, files);
    }
    try {
      return { file, doc: parseYaml(text) };
    } catch (e) {
      // The position only: the parser's message quotes the line, which may hold a token.
      const at = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
      throw new KubeconfigError(
        "FileInvalid",
        `kubeconfig ${file} is not valid YAML${at ? ` (line ${at.line}, column ${at.col})` : ""}`,
        files,
      );
    }
  });
  return resolveContext(mergeKubeconfigs(parsed), context);
}

export function resolveContext(merged: MergedKubeconfig, requested?: string): KubeAccess {
  const { files } = merged;
  const { name, context } = chooseContext(merged, requested);
  const clusterName = context.value.cluster;
  const cluster = typeof clusterName === "string" ? merged.clusters.get(clusterName) : undefined;
  if (cluster === undefined)
    throw new KubeconfigError(
      "ClusterNotFound",
      `context "${name}" (${context.file}) names cluster ${JSON.stringify(clusterName ?? "")}, which none of ${files.join(", ")} defines`,
      files,
    );
  const c = cluster.value;
  const clusterOrigin = `cluster "${clusterName}" in ${cluster.file}`;
  if (typeof c.server !== "string" || c.server === "")
    throw new KubeconfigError("FileInvalid", `${clusterOrigin} has no server`, files);
  if (typeof c["proxy-url"] === "string")
    throw new KubeconfigError(
      "Unsupported",
      `${clusterOrigin}: proxy-url is not supported; reach the server directly`,
      files,
    );
  const userName = context.value.user;
  let user: Fields = {};
  let userOrigin = `context "${name}"`;
  let userBase = dirname(context.file);
  if (typeof userName === "string" && userName !== "") {
    const entry = merged.users.get(userName);
    if (entry === undefined)
      throw new KubeconfigError(
        "UserNotFound",
        `context "${name}" (${context.file}) names user "${userName}", which none of ${files.join(", ")} defines`,
        files,
      );
    user = entry.value;
    userOrigin = `user "${userName}" in ${entry.file}`;
    userBase = dirname(entry.file);
    for (const field of ["client-certificate", "client-key", "tokenFile"])
      if (typeof user[field] === "string")
        user = { ...user, [field]: pathIn(userBase, user[field] as string) };
  }
  if (user["auth-provider"] !== undefined)
    throw new KubeconfigError(
      "Unsupported",
      `${userOrigin} uses an auth-provider, which kubectl itself dropped in 1.26; use the provider's exec plugin (gke-gcloud-auth-plugin, kubelogin)`,
      files,
    );
  if (user.username !== undefined || user.password !== undefined)
    throw new KubeconfigError(
      "Unsupported",
      `${userOrigin}: basic auth (username/password) is not supported`,
      files,
    );
  const base = dirname(cluster.file);
  return {
    server: c.server,
    ca: bytes(files, c["certificate-authority-data"], pathOrUndefined(base, c["certificate-authority"])),
    cert: bytes(files, user["client-certificate-data"], user["client-certificate"]),
    key: bytes(files, user["client-key-data"], user["client-key"]),
    token: typeof user.token === "string" && user.token !== "" ? user.token : undefined,
    tokenFile: typeof user.tokenFile === "string" ? user.tokenFile : undefined,
    ...(user.exec !== undefined
      ? {
          exec: parseExecConfig(user.exec, {
            origin: userOrigin,
            base: userBase,
            files,
            cluster: c,
          }),
        }
      : {}),
    insecureSkipTlsVerify: c["insecure-skip-tls-verify"] === true,
    tlsServerName: typeof c["tls-server-name"] === "string" ? c["tls-server-name"] : undefined,
  };
}

/** Inside a Pod: the service-account token (re-read, so a bound token's rotation is picked up) and CA. */
export function inClusterAccess(
  options: Pick<KubeconfigOptions, "env" | "serviceAccountDir"> = {},
): KubeAccess | undefined {
  const env = options.env ?? process.env;
  const dir = options.serviceAccountDir ?? SA_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !existsSync(join(dir, "token"))) return undefined;
  let ca: Buffer;
  try {
    ca = readFileSync(join(dir, "ca.crt"));
  } catch (e) {
    throw new KubeconfigError(
      "InClusterUnreadable",
      `in a Pod, but ${join(dir, "ca.crt")} cannot be read: ${codeOf(e)}`,
    );
  }
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ca,
    tokenFile: join(dir, "token"),
  };
}

const pathIn = (base: string, file: string) => (isAbsolute(file) ? file : join(base, file));
const pathOrUndefined = (base: string, file: unknown) =>
  typeof file === "string" && file !== "" ? pathIn(base, file) : undefined;

function bytes(files: readonly string[], data: unknown, file: unknown): Buffer | undefined {
  if (typeof data === "string" && data !== "") return Buffer.from(data, "base64");
  if (typeof file !== "string" || file === "") return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new KubeconfigError(
      "FileUnreadable",
      `${file}, named in ${files.join(", ")}, cannot be read: ${codeOf(e)}`,
      files,
    );
  }
}

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
