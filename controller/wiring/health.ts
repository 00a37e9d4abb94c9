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
      // Rebuilt per scrape from the informer cache: a deleted ApiKey, or one whose key stopped expiring, leaves no series.
      metrics.keyExpiration.reset();
      metrics.keyNextRotation.reset();
      for (const obj of o.apiKeys.list()) {
        const conditions = obj.status?.conditions;
        if (conditionOf(conditions, "Stalled")?.status === "True") counts.stalled++;
        else if (conditionOf(conditions, "Ready")?.status === "True") counts.ready++;
        else counts.reconciling++;
        const labels = { namespace: obj.metadata.namespace, name: obj.metadata.name };
        const expires = instantSeconds(obj.status?.expiresAt);
        if (expires !== undefined) metrics.keyExpiration.set(labels, expires);
        const rotates = instantSeconds(obj.status?.nextRotationAt);
        if (rotates !== undefined) metrics.keyNextRotation.set(labels, rotates);
      }
      for (const [state, n] of Object.entries(counts)) metrics.apiKeysByState.set({ state }, n);
    },
  });
}

/** An RFC 3339 instant from status as Unix seconds; absent or unreadable gives no series. */
function instantSeconds(instant: string | null | undefined): number | undefined {
  if (!instant) return undefined;
  const ms = Date.parse(instant);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
