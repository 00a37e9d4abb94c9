// The controller, wired explicitly in one place (style 7): informers → work queue → reconcile workers,
// leader election, drift detection, events, metrics, health, and a graceful stop.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { createKeysClient } from "../core/client/index.ts";
import type { ApiKey } from "../core/client/types.ts";
import { conditionOf } from "../core/planner/conditions.ts";
import {
  KEY_METADATA,
  KEY_METADATA_MANAGED_BY,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
} from "../core/planner/types.ts";
import { startHttpServer } from "./http-server.ts";
import { DriftWatcher } from "./keys/drift.ts";
import { KeyFacts } from "./keys/key-facts.ts";
import { EventRecorder } from "./kube/events.ts";
import { Informer } from "./kube/informer.ts";
import type { KubeAccess } from "./kube/kubeconfig.ts";
import { LeaderElector } from "./kube/leader-election.ts";
import { KubeRest } from "./kube/rest.ts";
import { type KubeObject, objectKey, type SecretObject } from "./kube/types.ts";
import { createControllerLogger } from "./logger.ts";
import { createControllerMetrics } from "./metrics.ts";
import type { ReconcileDeps } from "./reconcile/deps.ts";
import { LatestWrites } from "./reconcile/latest.ts";
import { type ApiKeyObject, type ApiKeyPolicyObject, paths } from "./reconcile/objects.ts";
import { reconcile, TerminalError } from "./reconcile/reconciler.ts";
import { SecretIndex } from "./reconcile/secret-index.ts";
import { realTimers, type Timers } from "./runtime/clock.ts";
import { WorkQueue } from "./runtime/work-queue.ts";

export interface ControllerOptions {
  access: KubeAccess;
  /** Watch ApiKeys in this namespace only. */
  namespace?: string;
  keysApiUrl: string;
  keysApiKey: string;
  /** Per attempt; default 10 s. */
  keysApiTimeoutMs?: number;
  /** Recorded on every key; default: the uid of kube-system, else "default". */
  clusterId?: string;
  driftIntervalMs?: number;
  concurrency?: number;
  reconcileTimeoutMs?: number;
  listen?: { host: string; port: number };
  leaderElection?: {
    enabled: boolean;
    namespace?: string;
    name?: string;
    identity?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  logger?: Logger;
  timers?: Timers;
  /** Called when leadership is lost (default: exit so the supervisor restarts a clean process). */
  onLostLeadership?: () => void;
}

export interface RunningController {
  url: string | undefined;
  metrics: ReturnType<typeof createControllerMetrics>;
  isLeader(): boolean;
  stop(): Promise<void>;
}

async function resolveClusterId(rest: KubeRest, given: string | undefined, logger: Logger): Promise<string> {
  if (given) return given;
  try {
    const ns = await rest.get<KubeObject>("/api/v1/namespaces/kube-system");
    if (ns.metadata.uid) return ns.metadata.uid;
  } catch (error) {
    logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'cannot read kube-system for a cluster id; using "default" (set --cluster-id)',
    );
  }
  return "default";
}

export async function startController(options: ControllerOptions): Promise<RunningController> {
  const logger = options.logger ?? createControllerLogger();
  const timers = options.timers ?? realTimers;
  const metrics = createControllerMetrics();
  const rest = new KubeRest({
    access: options.access,
    onRequest: (i) =>
      metrics.kubeRequests.inc({ verb: i.verb, resource: i.resource, status: String(i.status ?? "none") }),
  });
  const keys = createKeysClient({
    baseUrl: options.keysApiUrl,
    apiKey: options.keysApiKey,
    timeoutMs: options.keysApiTimeoutMs ?? 10_000,
    userAgent: "ayra-keys-controller",
    onRequest: (i) =>
      metrics.keysApiRequests.inc({
        operation: i.operation,
        status: String(i.status ?? i.failure ?? "none"),
      }),
  });
  const clusterId = await resolveClusterId(rest, options.clusterId, logger);
  const namespace = options.namespace;
  const identity = options.leaderElection?.identity ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
  const queue = new WorkQueue({ timers });
  const facts = new KeyFacts();
  const secretIndex = new SecretIndex();
  const latestApiKeys = new LatestWrites<ApiKeyObject>(() => timers.now());
  const latestSecrets = new LatestWrites<SecretObject>(() => timers.now());
  const uidIndex = new Map<string, string>();
  let leading = false;

  const enqueue = (key: string) => {
    if (leading) queue.add(key);
  };
  const apiKeys = new Informer<ApiKeyObject>({
    name: "apikeys",
    rest,
    path: paths.apiKeys(namespace),
    logger,
    onEvent: (event, obj) => {
      const key = objectKey(obj);
      latestApiKeys.observe(key, event === "delete" ? undefined : obj);
      secretIndex.update(obj, event === "delete");
      if (obj.metadata.uid) {
        if (event === "delete") uidIndex.delete(obj.metadata.uid);
        else uidIndex.set(obj.metadata.uid, key);
      }
      if (event === "delete")
        metrics.secondsUntilExpiry.remove({
          namespace: obj.metadata.namespace ?? "",
          name: obj.metadata.name,
        });
      enqueue(key);
    },
  });
  const secrets = new Informer<SecretObject>({
    name: "secrets",
    rest,
    path: paths.secrets(namespace),
    labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
    logger,
    onEvent: (event, obj) => {
      const key = objectKey(obj);
      latestSecrets.observe(key, event === "delete" ? undefined : obj);
      for (const owner of obj.metadata.ownerReferences ?? [])
        if (owner.kind === "ApiKey") enqueue(`${obj.metadata.namespace}/${owner.name}`);
      for (const claimant of secretIndex.claimants(key)) enqueue(claimant);
    },
  });
  const enqueueAll = (inNamespace?: string) => {
    for (const obj of apiKeys.list())
      if (inNamespace === undefined || obj.metadata.namespace === inNamespace) enqueue(objectKey(obj));
  };
  const policies = new Informer<ApiKeyPolicyObject>({
    name: "apikeypolicies",
    rest,
    path: paths.policies(),
    logger,
    onEvent: () => enqueueAll(),
  });
  const namespaces = new Informer<KubeObject>({
    name: "namespaces",
    rest,
    path: paths.namespaces(),
    ...(namespace ? { fieldSelector: `metadata.name=${namespace}` } : {}),
    logger,
    onEvent: (event, obj) => {
      if (event === "update") enqueueAll(obj.metadata.name);
    },
  });
  const events = new EventRecorder({ rest, logger, timers, instance: identity });
  const driftMetadata: Record<string, string> = {
    [KEY_METADATA.managedBy]: KEY_METADATA_MANAGED_BY,
    [KEY_METADATA.cluster]: clusterId,
  };
  if (namespace) driftMetadata[KEY_METADATA.namespace] = namespace;
  const drift = new DriftWatcher({
    client: keys,
    facts,
    metadata: driftMetadata,
    intervalMs: options.driftIntervalMs ?? 300_000,
    timers,
    logger,
    onChange: (changed: ApiKey[]) => {
      for (const key of changed) {
        const uid = key.metadata?.[KEY_METADATA.uid];
        const owner = uid === undefined ? undefined : uidIndex.get(uid);
        if (owner !== undefined) enqueue(owner);
      }
    },
  });
  const deps: ReconcileDeps = {
    rest,
    keys,
    facts,
    apiKeys,
    secrets,
    policies,
    namespaces,
    secretIndex,
    latestApiKeys,
    latestSecrets,
    events,
    metrics,
    logger,
    timers,
    clusterId,
    newId: () => randomUUID(),
  };

  // Workers: queue handling lives here, in one place (style 6).
  const reconcileTimeoutMs = options.reconcileTimeoutMs ?? 60_000;
  let reconcileSeq = 0;
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const id = ++reconcileSeq;
      const log = logger.child({ reconcile: id, apiKey: key });
      const started = performance.now();
      let timer: unknown;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = timers.setTimeout(
            () => reject(new Error(`reconcile timed out after ${reconcileTimeoutMs} ms`)),
            reconcileTimeoutMs,
          );
        });
        const result = await Promise.race([reconcile(deps, key, log), timeout]);
        queue.forget(key);
        if ("requeueAfterMs" in result) {
          queue.addAfter(key, result.requeueAfterMs);
          metrics.reconciles.inc({ result: "requeue" });
        } else {
          metrics.reconciles.inc({ result: "done" });
        }
      } catch (error) {
        const kind = error instanceof Error ? error.name : "unknown";
        metrics.reconciles.inc({ result: "error" });
        metrics.reconcileErrors.inc({ kind });
        if (error instanceof TerminalError) {
          queue.forget(key);
          log.error({ err: error.message }, "reconcile failed for good");
        } else {
          const delay = queue.addRateLimited(key);
          log.warn(
            { err: error instanceof Error ? error.message : String(error), retryInMs: delay },
            "reconcile failed; retrying",
          );
        }
      } finally {
        if (timer !== undefined) timers.clearTimeout(timer);
        metrics.reconcileDuration.observe((performance.now() - started) / 1000);
        queue.done(key);
      }
    }
  };
  const workers: Promise<void>[] = [];

  const beginLeading = async () => {
    metrics.leader.set(1);
    await drift.start();
    leading = true;
    for (let i = 0; i < (options.concurrency ?? 16); i++) workers.push(worker());
    enqueueAll();
    logger.info(
      { apiKeys: apiKeys.size, keys: facts.size, clusterId, namespace: namespace ?? "(all)" },
      "reconciling",
    );
  };

  await Promise.all([apiKeys.start(), secrets.start(), policies.start(), namespaces.start()]);
  logger.info({ apiKeys: apiKeys.size, secrets: secrets.size, policies: policies.size }, "caches synced");

  const http = options.listen
    ? await startHttpServer({
        host: options.listen.host,
        port: options.listen.port,
        registry: metrics.registry,
        ready: () => {
          const informers = [apiKeys, secrets, policies, namespaces];
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
          const now = timers.now();
          for (const obj of apiKeys.list()) {
            const conditions = obj.status?.conditions;
            if (conditionOf(conditions, "Stalled")?.status === "True") counts.stalled++;
            else if (conditionOf(conditions, "Ready")?.status === "True" && !obj.status?.pending)
              counts.ready++;
            else counts.reconciling++;
            const expires = obj.status?.expiresAt;
            if (expires)
              metrics.secondsUntilExpiry.set(
                { namespace: obj.metadata.namespace ?? "", name: obj.metadata.name },
                (Date.parse(expires) - now) / 1000,
              );
          }
          for (const [state, n] of Object.entries(counts)) metrics.keysByState.set({ state }, n);
        },
      })
    : undefined;
  if (http) logger.info({ url: http.url }, "serving /healthz /readyz /metrics");

  const election = options.leaderElection;
  let elector: LeaderElector | undefined;
  if (election?.enabled) {
    elector = new LeaderElector({
      rest,
      namespace: election.namespace ?? namespace ?? "ayra-keys-system",
      name: election.name ?? "ayra-keys-controller",
      identity,
      leaseDurationMs: election.leaseDurationMs ?? 10_000,
      renewDeadlineMs: election.renewDeadlineMs ?? 7_000,
      retryPeriodMs: election.retryPeriodMs ?? 2_000,
      timers,
      logger,
      onStartedLeading: () => {
        void beginLeading().catch((error: unknown) =>
          logger.error({ err: String(error) }, "could not start leading"),
        );
      },
      onStoppedLeading: () => {
        leading = false;
        metrics.leader.set(0);
        queue.shutDown();
        (options.onLostLeadership ?? (() => process.exit(1)))();
      },
    });
    elector.start();
  } else {
    await beginLeading();
  }

  let stopping: Promise<void> | undefined;
  return {
    url: http?.url,
    metrics,
    isLeader: () => leading,
    stop: () => {
      stopping ??= (async () => {
        logger.info("stopping");
        leading = false;
        queue.shutDown();
        await Promise.race([Promise.all(workers), new Promise((r) => setTimeout(r, 10_000).unref())]);
        await elector?.stop();
        await drift.stop();
        await Promise.all([apiKeys.stop(), secrets.stop(), policies.stop(), namespaces.stop()]);
        await events.flush();
        http?.server.closeAllConnections();
        await new Promise<void>((resolve) => (http ? http.server.close(() => resolve()) : resolve()));
        rest.close();
        logger.info("stopped");
        logger.flush();
      })();
      return stopping;
    },
  };
}
