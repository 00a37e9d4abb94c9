// Each end-to-end test works in a namespace of its own on the shared control plane.
import { randomBytes } from "node:crypto";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";

export interface TestNamespace {
  name: string;
  delete(): Promise<void>;
}

export async function createTestNamespace(kc: KubeConfig, prefix = "t"): Promise<TestNamespace> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name, labels: { "ayra-keys.test/owned": "true" } } } });
  return {
    name,
    async delete() {
      // The test control plane runs no namespace controller, so the namespace stays Terminating; that is harmless.
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}
