// The controller for `ayra-keys dev`: against the local control plane or the cluster of --kubeconfig, with the CRDs
// applied (server-side) if the cluster lacks them, no leader election, logs at warn level.
import { join } from "node:path";
import { type RunningController, startController } from "./controller.ts";
import { apiKeyCrd, apiKeyPolicyCrd } from "./crd/generate.ts";
import { type KubeAccess, loadKubeAccess } from "./kube/kubeconfig.ts";
import { KubeRest } from "./kube/rest.ts";
import { createControllerLogger } from "./logger.ts";

export type DevController =
  | { running: RunningController; server: string; access: KubeAccess }
  | { skipped: string };

export async function startDevController(options: {
  keysUrl: string;
  apiKey: string;
  dataDir: string;
  listenPort?: number;
  /** A kubeconfig file to use instead of the current context (the local control plane's). */
  kubeconfig?: string;
  /** A context instead of current-context. */
  context?: string;
}): Promise<DevController> {
  let access: ReturnType<typeof loadKubeAccess>;
  try {
    access = loadKubeAccess({ kubeconfig: options.kubeconfig, context: options.context });
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
  const rest = new KubeRest({ access, userAgent: "ayra-keys-dev" });
  try {
    for (const crd of [apiKeyCrd(), apiKeyPolicyCrd()]) {
      const name = (crd.metadata as { name: string }).name;
      await rest.request({
        method: "PATCH",
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        query: { fieldManager: "ayra-keys-dev", force: true },
        body: crd,
        contentType: "application/apply-patch+yaml",
        timeoutMs: 5_000,
      });
    }
    // A new CRD is served a moment after it is applied: wait for its lists, so the informers start clean.
    for (const plural of ["apikeys", "apikeypolicies"]) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const listed = await rest
          .request({
            method: "GET",
            path: `/apis/keys.ayra.ai/v1alpha1/${plural}`,
            query: { limit: "1" },
            timeoutMs: 5_000,
          })
          .then(
            () => true,
            () => false,
          );
        if (listed || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } catch (error) {
    return {
      skipped: `could not install the CRDs in ${access.server}: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    rest.close();
  }
  let running: RunningController;
  try {
    running = await startController({
      access,
      keysApiUrl: options.keysUrl,
      keysApiKey: options.apiKey,
      clusterId: `dev-${join(options.dataDir)}`.slice(0, 100),
      listen: { host: "127.0.0.1", port: options.listenPort ?? 9090 },
      leaderElection: { enabled: false },
      logger: createControllerLogger({ level: process.env.AYRA_KEYS_LOG_LEVEL ?? "warn" }),
    });
  } catch (error) {
    return { skipped: `could not start: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { running, server: access.server, access };
}
