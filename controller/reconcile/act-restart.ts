// Act, restart effect: one rollout of each restart target per key (a pod template annotation).
import { ANNOTATIONS } from "../../core/planner/types.ts";
import { isNotFound } from "../kube/rest.ts";
import type { ReconcileDeps } from "./deps.ts";
import type { Workload } from "./gather.ts";
import { type ApiKeyObject, paths } from "./objects.ts";

export async function restartWorkloads(
  deps: ReconcileDeps,
  obj: ApiKeyObject,
  keyId: string,
  targets: readonly { kind: string; name: string }[],
  signal?: AbortSignal,
): Promise<void> {
  const { namespace } = obj.metadata;
  for (const t of targets) {
    const path = paths.workload(namespace, t.kind, t.name);
    let workload: Workload;
    try {
      workload = await deps.rest.get<Workload>(path, undefined, { signal });
    } catch (error) {
      if (isNotFound(error)) continue;
      throw error;
    }
    // One restart per key: a workload already restarted for this key is left alone (a replayed mint).
    if (workload.spec?.template?.metadata?.annotations?.[ANNOTATIONS.restartedFor] === keyId) continue;
    const now = new Date(deps.timers.now()).toISOString();
    await deps.rest.strategicPatch(
      path,
      {
        spec: {
          template: {
            metadata: {
              annotations: { [ANNOTATIONS.restartedFor]: keyId, "kubectl.kubernetes.io/restartedAt": now },
            },
          },
        },
      },
      { signal },
    );
    deps.logger.info(
      { apiKey: `${namespace}/${obj.metadata.name}`, workload: `${t.kind}/${t.name}`, keyId },
      "restarted workload",
    );
  }
}
