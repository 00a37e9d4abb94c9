// Health and metrics: /readyz from the informers and the key facts, and the gauges refreshed per scrape.
import { conditionOf } from "../../core/planner/conditions.ts";
import { startHttpServer } from "../http-server.ts";
import type { KeyFacts } from "../keys/key-facts.ts";
import type { Informer } from "../kube/informer.ts";
import type { KubeObject } from "../kube/types.ts";
import type { ControllerMetrics } from "../metrics.ts";
import type { ApiKeyObject } from "../reconcile/objects.ts";
import type { Timers } from "../runtime/clock.ts";
import type { WorkQueue } from "../runtime/work-queue.ts";

export interface HealthOptions {
  listen: { host: string; port: number };
  metrics: ControllerMetrics;
  informers: Informer<KubeObject>[];
  apiKeys: Informer<ApiKeyObject>;
  facts: KeyFacts;
  queue: WorkQueue;
  timers: Timers;
  leading: () => boolean;
}

export function startHealth(o: HealthOptions) {
  const { metrics, informers, facts, queue } = o;
  return startHttpServer({
    host: o.listen.host,
    port: o.listen.port,
    registry: metrics.registry,
    ready: () => {
      const leading = o.leading();
      const ok = informers.every((i) => i.synced && i.healthy) && (!leading || facts.complete);
      return {
        ok,
        detail: {
          leader: leading,
          informers: Object.fromEntries(informers.map((i) => [i.name, i.healthy])),
          keyFacts: facts.complete,
        },
      };
    },
    beforeScrape: () => {
      metrics.queueDepth.set(queue.length);
      metrics.queueDelayed.set(queue.delayedCount);
      const counts = { ready: 0, reconciling: 0, stalled: 0 };
      const now = o.timers.now();
      for (const obj of o.apiKeys.list()) {
        const conditions = obj.status?.conditions;
        if (conditionOf(conditions, "Stalled")?.status === "True") counts.stalled++;
        else if (conditionOf(conditions, "Ready")?.status === "True") counts.ready++;
        else counts.reconciling++;
        const expires = obj.status?.expiresAt;
        if (expires)
          metrics.secondsUntilExpiry.set(
            { namespace: obj.metadata.namespace, name: obj.metadata.name },
            (Date.parse(expires) - now) / 1000,
          );
      }
      for (const [state, n] of Object.entries(counts)) metrics.keysByState.set({ state }, n);
    },
  });
}
