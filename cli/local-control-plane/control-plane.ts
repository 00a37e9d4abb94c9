// The local control plane of `ayra-keys dev`: etcd and kube-apiserver on loopback, their state in the dev data
// folder (DATA_DIR/control-plane), so ApiKeys and Secrets survive a restart as the keys in keys.db do. It has no
// nodes and no controller-manager: objects are stored, validated and watched for real, but no pod runs.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { join } from "node:path";
import { stringify } from "yaml";
import type { ControlPlaneBinaries } from "./binaries.ts";
import { LocalProcess } from "./child-process.ts";

export interface LocalControlPlane {
  server: string;
  /** An admin kubeconfig for kubectl and the controller (0600). */
  kubeconfigPath: string;
  /** Where etcd's data, the certificates and the logs live. */
  dir: string;
  /** kube-apiserver first (with etcd gone it ignores SIGTERM for a long time), then etcd. */
  stop(): Promise<void>;
}

/** A control-plane process exited or never became ready; its last output is in the message. */
export class ControlPlaneStartError extends Error {
  constructor(what: string, output: string, logFile: string) {
    super(`${what} (log: ${logFile})${output ? `:\n${output}` : ""}`);
    this.name = "ControlPlaneStartError";
  }
}

export async function startLocalControlPlane(options: {
  binaries: ControlPlaneBinaries;
  dataDir: string;
}): Promise<LocalControlPlane> {
  const dir = join(options.dataDir, "control-plane");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { token } = ensureCredentials(dir);
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const processes: LocalProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const p of [...processes].reverse()) await p.stop({ graceMs: 5_000 });
  };
  try {
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcdLog = join(dir, "etcd.log");
    const etcd = new LocalProcess(
      "etcd",
      options.binaries.etcd,
      etcdArgs({ dir, clientPort: etcdClient, peerPort: etcdPeer }),
      etcdLog,
    );
    processes.push(etcd);
    await until(etcd, etcdLog, "etcd to be healthy", 30_000, async () => {
      const response = await fetch(`${etcdUrl}/health`).catch(() => undefined);
      return response?.ok === true;
    });

    const apiLog = join(dir, "kube-apiserver.log");
    const apiserver = new LocalProcess(
      "kube-apiserver",
      options.binaries.kubeApiserver,
      kubeApiserverArgs({ dir, etcdUrl, port: apiPort }),
      apiLog,
    );
    processes.push(apiserver);
    const server = `https://127.0.0.1:${apiPort}`;
    await until(apiserver, apiLog, "kube-apiserver to be ready", 90_000, () => readyz(server, token));

    const caPem = readFileSync(join(dir, "certs", "apiserver.crt"));
    const kubeconfigPath = join(options.dataDir, "kubeconfig");
    writeFileSync(kubeconfigPath, kubeconfig({ server, caPem, token }), { mode: 0o600 });
    return { server, kubeconfigPath, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * How etcd runs for a local control plane (dev's and the tests'): one member on loopback, its data in DIR/etcd.
 */
export function etcdArgs(o: { dir: string; clientPort: number; peerPort: number }): string[] {
  const client = `http://127.0.0.1:${o.clientPort}`;
  const peer = `http://127.0.0.1:${o.peerPort}`;
  return [
    `--data-dir=${join(o.dir, "etcd")}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    "--log-level=warn",
  ];
}

/**
 * How kube-apiserver runs for a local control plane (dev's and the tests'): loopback only, its serving
 * certificate made by itself in DIR/certs, token users from DIR/tokens.csv, RBAC, service-account keys
 * DIR/sa.key and DIR/sa.pub, and no ServiceAccount admission (no controller-manager makes their tokens).
 */
export function kubeApiserverArgs(o: { dir: string; etcdUrl: string; port: number }): string[] {
  return [
    `--etcd-servers=${o.etcdUrl}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${o.port}`,
    `--cert-dir=${join(o.dir, "certs")}`,
    `--token-auth-file=${join(o.dir, "tokens.csv")}`,
    "--authorization-mode=RBAC",
    "--service-account-issuer=https://kubernetes.default.svc",
    `--service-account-key-file=${join(o.dir, "sa.pub")}`,
    `--service-account-signing-key-file=${join(o.dir, "sa.key")}`,
    "--service-cluster-ip-range=10.96.0.0/16",
    "--disable-admission-plugins=ServiceAccount",
    "--enable-priority-and-fairness=false",
    "--v=0",
  ];
}

/** The admin token and the service-account signing key: made once, kept with the control plane's data. */
function ensureCredentials(dir: string): { token: string } {
  const tokens = join(dir, "tokens.csv");
  if (!existsSync(tokens)) {
    writeFileSync(tokens, `${randomBytes(24).toString("hex")},admin,admin,system:masters\n`, { mode: 0o600 });
  }
  if (!existsSync(join(dir, "sa.key"))) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    writeFileSync(join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
  }
  return { token: readFileSync(tokens, "utf8").split(",")[0] ?? "" };
}

function kubeconfig(options: { server: string; caPem: Buffer; token: string }): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "ayra-keys-dev",
        cluster: { server: options.server, "certificate-authority-data": options.caPem.toString("base64") },
      },
    ],
    users: [{ name: "admin", user: { token: options.token } }],
    contexts: [{ name: "ayra-keys-dev", context: { cluster: "ayra-keys-dev", user: "admin" } }],
    "current-context": "ayra-keys-dev",
  });
}

async function until(
  child: LocalProcess,
  logFile: string,
  what: string,
  timeoutMs: number,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.hasExited) throw new ControlPlaneStartError(`${child.name} exited`, child.output(), logFile);
    if (await ready()) return;
    if (Date.now() > deadline)
      throw new ControlPlaneStartError(`timed out waiting for ${what}`, child.output(), logFile);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whether kube-apiserver at `server` answers /readyz 200 to `token`. */
export function readyz(server: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    // The serving certificate is the one kube-apiserver made itself; it is only read after /readyz answers.
    const req = request(
      `${server}/readyz`,
      { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}
