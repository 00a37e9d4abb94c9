// Where the API server is and how to authenticate, read from a kubeconfig file or from inside a Pod.
// Written here rather than taken from client-node, whose KubeConfig loads its whole generated API (≈ 85 MB
// of the controller's memory budget). Supports what kubeconfigs for controllers use: a bearer token (inline
// or file, re-read so projected tokens rotate), client certificates, a CA, and insecure-skip-tls-verify.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";

export interface KubeAccess {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  tokenFile?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
}

type Named<T> = { name: string } & T;
interface KubeconfigFile {
  clusters?: Named<{ cluster: Record<string, unknown> }>[];
  users?: Named<{ user: Record<string, unknown> }>[];
  contexts?: Named<{ context: { cluster: string; user: string; namespace?: string } }>[];
  "current-context"?: string;
}

// The YAML parser is loaded only to read a kubeconfig file: inside a Pod it is never needed, and loading it
// costs ≈ 6 MB of the controller's RSS.
const parseYaml = (text: string): unknown =>
  (createRequire(import.meta.url)("yaml") as typeof import("yaml")).parse(text);

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

function bytes(base: string, data: unknown, file: unknown): Buffer | undefined {
  if (typeof data === "string" && data !== "") return Buffer.from(data, "base64");
  if (typeof file === "string" && file !== "")
    return readFileSync(isAbsolute(file) ? file : join(base, file));
  return undefined;
}

/** A kubeconfig file's current (or named) context. */
export function loadKubeconfigFile(path: string, contextName?: string): KubeAccess {
  const doc = parseYaml(readFileSync(path, "utf8")) as KubeconfigFile;
  const base = dirname(path);
  const name = contextName ?? doc["current-context"];
  const context = doc.contexts?.find((c) => c.name === name)?.context;
  if (context === undefined)
    throw new Error(`kubeconfig ${path} has no context ${JSON.stringify(name ?? "")}`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  if (cluster === undefined || typeof cluster.server !== "string")
    throw new Error(`kubeconfig ${path}: cluster ${context.cluster} has no server`);
  if (user.exec !== undefined || user["auth-provider"] !== undefined)
    throw new Error(
      `kubeconfig ${path}: user ${context.user} uses exec/auth-provider credentials, which the controller does not run; use a token or client certificate`,
    );
  return {
    server: cluster.server,
    ca: bytes(base, cluster["certificate-authority-data"], cluster["certificate-authority"]),
    cert: bytes(base, user["client-certificate-data"], user["client-certificate"]),
    key: bytes(base, user["client-key-data"], user["client-key"]),
    token: typeof user.token === "string" ? user.token : undefined,
    tokenFile: typeof user.tokenFile === "string" ? user.tokenFile : undefined,
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    tlsServerName: typeof cluster["tls-server-name"] === "string" ? cluster["tls-server-name"] : undefined,
  };
}

/** Inside a Pod: the ServiceAccount token (re-read on refresh) and CA. */
export function inClusterAccess(): KubeAccess | undefined {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !existsSync(join(SA_DIR, "token"))) return undefined;
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ca: readFileSync(join(SA_DIR, "ca.crt")),
    tokenFile: join(SA_DIR, "token"),
  };
}

/** --kubeconfig, else $KUBECONFIG (first file), else ~/.kube/config, else in-cluster. */
export function loadKubeAccess(path?: string, context?: string): KubeAccess {
  const candidate =
    path ?? process.env.KUBECONFIG?.split(":").find(Boolean) ?? join(homedir(), ".kube", "config");
  if (path !== undefined || existsSync(candidate)) return loadKubeconfigFile(candidate, context);
  const inCluster = inClusterAccess();
  if (inCluster !== undefined) return inCluster;
  throw new Error("no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run in a Pod");
}

/** The bearer token to send now (a token file is re-read, so a rotated projected token is picked up). */
export function currentToken(access: KubeAccess): string | undefined {
  if (access.tokenFile !== undefined) return readFileSync(access.tokenFile, "utf8").trim();
  return access.token;
}
