// A real Kubernetes control plane for tests: etcd and kube-apiserver from the pinned counterparts, on
// free loopback ports, in a temp dir. It has no nodes and no controller-manager: objects are stored and
// validated for real (CRDs, CEL, RBAC, server-side apply), but no pod ever runs.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { etcdArgs, kubeApiserverArgs, readyz } from "../../cli/local-control-plane/control-plane.ts";
import type { CounterpartPaths } from "../counterparts/build.ts";
import { type ClientCa, createClientCa, issueClientCertificate } from "./certificates.ts";
import { freePort } from "./ports.ts";
import { type ManagedProcess, startProcess } from "./processes.ts";
import { makeTempDir, removeTempDir } from "./temp-dirs.ts";
import { waitFor } from "./wait.ts";

/** What a test process needs to reach a control plane started elsewhere (e.g. in vitest's global setup). */
export interface ControlPlaneInfo {
  server: string;
  caPem: string;
  adminToken: string;
  /** kubeconfig file for the admin, usable by kubectl and by processes under test. */
  kubeconfigPath: string;
  /** Where client certificates for further users are issued. */
  dir: string;
  clientCa: ClientCa;
  kubectl: string;
}

export interface ControlPlane extends ControlPlaneInfo {
  startedInMs: number;
  stop(): Promise<void>;
}

export async function startControlPlane(paths: CounterpartPaths): Promise<ControlPlane> {
  const started = Date.now();
  const dir = await makeTempDir("ayra-keys-cp-");
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const processes: ManagedProcess[] = [];

  const stop = async (): Promise<void> => {
    // kube-apiserver first: with etcd gone it ignores SIGTERM for a long time.
    for (const p of processes.reverse()) await p.stop({ graceMs: 5_000 });
    await removeTempDir(dir);
  };

  try {
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcd = startProcess({
      name: "etcd",
      command: paths.etcd,
      // The test data is thrown away: no fsync.
      args: [...etcdArgs({ dir, clientPort: etcdClient, peerPort: etcdPeer }), "--unsafe-no-fsync"],
    });
    processes.push(etcd);

    const adminToken = randomBytes(24).toString("hex");
    await writeFile(join(dir, "tokens.csv"), `${adminToken},admin,admin,system:masters\n`, { mode: 0o600 });
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    await writeFile(join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }), {
      mode: 0o600,
    });
    await writeFile(join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
    const clientCa = await createClientCa(dir);

    await waitFor("etcd to be healthy", async () => (await fetch(`${etcdUrl}/health`)).ok, {
      timeoutMs: 30_000,
      context: () => etcd.output(),
    });

    const apiserver = startProcess({
      name: "kube-apiserver",
      command: paths.kubeApiserver,
      // Further users authenticate with client certificates from the test CA.
      args: [...kubeApiserverArgs({ dir, etcdUrl, port: apiPort }), `--client-ca-file=${clientCa.certPath}`],
    });
    processes.push(apiserver);

    const server = `https://127.0.0.1:${apiPort}`;
    await waitFor("kube-apiserver /readyz", () => readyz(server, adminToken), {
      timeoutMs: 60_000,
      intervalMs: 200,
      context: () => apiserver.output(),
    });
    const caPem = await readFile(join(dir, "certs", "apiserver.crt"), "utf8");
    const kubeconfigPath = join(dir, "admin.kubeconfig");
    await writeFile(kubeconfigPath, kubeConfigFor({ server, caPem, adminToken }).exportConfig(), {
      mode: 0o600,
    });
    return {
      server,
      caPem,
      adminToken,
      kubeconfigPath,
      dir,
      clientCa,
      kubectl: paths.kubectl,
      startedInMs: Date.now() - started,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface Identity {
  server: string;
  caPem: string;
  adminToken?: string;
  certPem?: string;
  keyPem?: string;
  user?: string;
}

function kubeConfigFor(identity: Identity): KubeConfig {
  const user = identity.user ?? "admin";
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: "ayra-keys-test",
        server: identity.server,
        caData: Buffer.from(identity.caPem).toString("base64"),
        skipTLSVerify: false,
      },
    ],
    users: [
      identity.adminToken
        ? { name: user, token: identity.adminToken }
        : {
            name: user,
            certData: Buffer.from(identity.certPem ?? "").toString("base64"),
            keyData: Buffer.from(identity.keyPem ?? "").toString("base64"),
          },
    ],
    contexts: [{ name: user, cluster: "ayra-keys-test", user }],
    currentContext: user,
  });
  return kc;
}

/** The admin (system:masters) KubeConfig. */
export function adminKubeConfig(info: ControlPlaneInfo): KubeConfig {
  return kubeConfigFor(info);
}

export interface UserKubeConfig {
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
}

/** A real, certificate-authenticated user with the given groups; RBAC decides what it may do. */
export async function userKubeConfig(
  info: ControlPlaneInfo,
  user: string,
  groups: readonly string[] = [],
): Promise<UserKubeConfig> {
  const { certPem, keyPem } = await issueClientCertificate(info.clientCa, info.dir, user, groups);
  const kubeConfig = kubeConfigFor({ server: info.server, caPem: info.caPem, certPem, keyPem, user });
  const kubeconfigPath = join(
    info.dir,
    `user-${user.replace(/[^a-zA-Z0-9_.-]/g, "_")}-${Date.now()}.kubeconfig`,
  );
  await writeFile(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
  return { kubeConfig, kubeconfigPath };
}
