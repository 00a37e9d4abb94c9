// The example ApiKey of `ayra-keys dev`: applied server-side (with its namespace), then watched until the
// controller has written its Secret — the whole loop, shown on the first run. Only names are read back; the
// Secret's data never leaves the API server.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { KubeAccess } from "./kube/kubeconfig.ts";
import { isNotFound, KubeRest } from "./kube/rest.ts";

export interface AppliedExample {
  namespace: string;
  name: string;
  secretName: string;
}

interface ApiKeyManifest {
  metadata?: { name?: string; namespace?: string };
  spec?: { secret?: { name?: string } };
}

interface ApiKeyStatus {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

/** The example did not become a Secret in time; the ApiKey's Ready message says why, when it has one. */
export class ExampleNotReadyError extends Error {
  constructor(example: AppliedExample, why: string) {
    super(`ApiKey ${example.namespace}/${example.name} has no Secret ${example.secretName} yet: ${why}`);
    this.name = "ExampleNotReadyError";
  }
}

const FIELD_MANAGER = "ayra-keys-dev";

export async function applyExampleApiKey(options: {
  /** The controller's own access to the cluster (one kubeconfig loader for both). */
  access: KubeAccess;
  file: string;
  timeoutMs?: number;
}): Promise<AppliedExample> {
  const manifest = parse(readFileSync(options.file, "utf8")) as ApiKeyManifest & Record<string, unknown>;
  const name = manifest.metadata?.name ?? "";
  const namespace = manifest.metadata?.namespace ?? "default";
  const example = { namespace, name, secretName: manifest.spec?.secret?.name ?? name };
  const rest = new KubeRest({ access: options.access, userAgent: FIELD_MANAGER });
  try {
    const apply = (path: string, body: unknown) =>
      rest.request({
        method: "PATCH",
        path,
        query: { fieldManager: FIELD_MANAGER, force: true },
        body,
        contentType: "application/apply-patch+yaml",
        timeoutMs: 10_000,
      });
    await apply(`/api/v1/namespaces/${namespace}`, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace },
    });
    await apply(`/apis/keys.ayra.ai/v1alpha1/namespaces/${namespace}/apikeys/${name}`, {
      ...manifest,
      metadata: { ...manifest.metadata, namespace },
    });
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const secret = await rest
        .request({
          method: "GET",
          path: `/api/v1/namespaces/${namespace}/secrets/${example.secretName}`,
          timeoutMs: 5_000,
        })
        .then(
          () => true,
          (error: unknown) => {
            if (isNotFound(error)) return false;
            throw error;
          },
        );
      if (secret) return example;
      if (Date.now() > deadline) {
        const key = await rest.request<ApiKeyStatus>({
          method: "GET",
          path: `/apis/keys.ayra.ai/v1alpha1/namespaces/${namespace}/apikeys/${name}`,
          timeoutMs: 5_000,
        });
        const ready = key.status?.conditions?.find((c) => c.type === "Ready");
        throw new ExampleNotReadyError(example, ready?.message ?? "the controller has not reported on it");
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    rest.close();
  }
}
