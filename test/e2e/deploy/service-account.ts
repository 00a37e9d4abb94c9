// A ServiceAccount's real identity for tests: the ServiceAccount (created if missing) and a token from the
// TokenRequest API, as a kubeconfig file — the API server sees exactly what it sees from a pod.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { isAlreadyExists, type KubeRest } from "../../../controller/kube/rest.ts";
import type { ControlPlaneInfo } from "../../harness/control-plane.ts";

export async function serviceAccountKubeConfig(
  info: ControlPlaneInfo,
  admin: KubeRest,
  namespace: string,
  name: string,
): Promise<{ kubeConfig: KubeConfig; kubeconfigPath: string }> {
  await admin
    .create(`/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name, namespace } })
    .catch((error: unknown) => {
      if (!isAlreadyExists(error)) throw error;
    });
  const token = await admin.create<{ status: { token: string } }>(
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: "test",
        server: info.server,
        caData: Buffer.from(info.caPem).toString("base64"),
        skipTLSVerify: false,
      },
    ],
    users: [{ name, token: token.status.token }],
    contexts: [{ name, cluster: "test", user: name }],
    currentContext: name,
  });
  const kubeconfigPath = join(info.dir, `sa-${namespace}-${name}.kubeconfig`);
  await writeFile(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
  return { kubeConfig, kubeconfigPath };
}
