// The controller, wired explicitly in one place (style 7): watches (informers → keys), the reconcile loop,
// leader election, drift detection, events, health and metrics, and a graceful stop. Each concern lives in
// its own module under wiring/; this file only connects them.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { createKeysClient } from "../core/client/index.ts";
import type { ApiKey } from "../core/client/types.ts";
import { KEY_METADATA, MANAGED_BY, readKeyMetadata } from "../core/keys/key-metadata.ts";
import { CredentialKeeper, type CredentialRotation } from "./credential/keeper.ts";
import { createCredentialMetrics } from "./credential/metrics.ts";
import { type CredentialSecretRef, CredentialSecretStore } from "./credential/secret-store.ts";
import { DriftWatcher } from "./keys/drift.ts";
import { httpFetch } from "./keys/http-fetch.ts";
import { KeyFacts } from "./keys/key-facts.ts";
import { Retirement } from "./keys/retire.ts";
import { EventRecorder } from "./kube/events.ts";
import type { KubeAccess } from "./kube/kubeconfig.ts";
import { LeaderElector } from "./kube/leader-election.ts";
import { projectReadOnly, projectSecret } from "./kube/projections.ts";
import { KubeRest } from "./kube/rest.ts";
import type { KubeObject, SecretObject } from "./kube/types.ts";
import { createControllerLogger } from "./logger.ts";
import { createControllerMetrics } from "./metrics.ts";
import type { ReconcileDeps } from "./reconcile/deps.ts";
import { LatestWrites } from "./reconcile/latest.ts";
import type { ApiKeyObject } from "./reconcile/objects.ts";
import { Refusals } from "./reconcile/refusals.ts";
import { SecretIndex } from "./reconcile/secret-index.ts";
import { realTimers, type Timers } from "./runtime/clock.ts";
import { WorkQueue } from "./runtime/work-queue.ts";
import { startHealth } from "./wiring/health.ts";
import { startReconcileLoop } from "./wiring/reconcile-loop.ts";
import { watchRevokedUse } from "./wiring/revoked-use.ts";
import { createWatches } from "./wiring/watches.ts";
export interface ControllerOptions {
  access: KubeAccess;
  /** Watch ApiKeys in this namespace only. */
  namespace?: string;
  keysApiUrl: string;
  /** The keys-API key, fixed for the process's life; or `credential`, to read it from a Secret. */
  keysApiKey?: string;
  /** Read the key from this Secret (re-read on a 401); with `rotation`, the leader also rotates it. */
  credential?: { secret: CredentialSecretRef; rotation?: CredentialRotation };
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

/** The cluster id recorded on every key; `resolved` is false for the "default" fallback (no sweep then). */
async function resolveClusterId(
  rest: KubeRest,
  given: string | undefined,
  logger: Logger,
): Promise<{ id: string; resolved: boolean }> {
  if (given) return { id: given, resolved: true };
  try {
    const ns = await rest.get<KubeObject>("/api/v1/namespaces/kube-system");
    if (ns.metadata.uid) return { id: ns.metadata.uid, resolved: true };
  } catch (error) {
    logger.warn(
      { err: error },
      'cannot read kube-system for a cluster id; using "default", and keys of ApiKeys deleted while the controller is down are not swept (set --cluster-id)',
    );
  }
  return { id: "default", resolved: false };
}

function fixedKey(key: string | undefined): string {
  if (key === undefined) throw new TypeError("keysApiKey or credential is required");
  return key;
}

/** With a credential Secret: its keeper, the key read before the first call. */
async function startCredentialKeeper(
  options: ControllerOptions,
  deps: {
    rest: KubeRest;
    logger: Logger;
    timers: Timers;
    events: EventRecorder;
    metrics: ReturnType<typeof createControllerMetrics>;
    onAdopted: () => void;
  },
): Promise<CredentialKeeper | undefined> {
  const credential = options.credential;
  if (credential === undefined) return undefined;
  const keeper = new CredentialKeeper({
    store: new CredentialSecretStore(deps.rest, credential.secret),
    rotation: credential.rotation,
    metrics: createCredentialMetrics(deps.metrics.registry),
    logger: deps.logger.child({ component: "credential" }),
    timers: deps.timers,
    events: deps.events,
    onAdopted: deps.onAdopted,
  });
  await keeper.load();
  return keeper;
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
  const identity = options.leaderElection?.identity ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
  const events = new EventRecorder({ rest, logger, timers, instance: identity });
  // Calls refused with the key given up are the key's fault, not the ApiKeys': with the new key, all again.
  let onAdopted = () => {};
  const keeper = await startCredentialKeeper(options, {
    rest,
    logger,
    timers,
    events,
    metrics,
    onAdopted: () => onAdopted(),
  });
  const keys = createKeysClient({
    baseUrl: options.keysApiUrl,
    apiKey: keeper?.apiKey ?? fixedKey(options.keysApiKey),
    timeoutMs: options.keysApiTimeoutMs ?? 10_000,
    userAgent: "ayra-keys-controller",
    fetch: httpFetch,
    onRequest: (i) => {
      metrics.keysApiRequests.inc({
        operation: i.operation,
        status: String(i.status ?? i.failure ?? "none"),
      });
      if (i.status === 401) keeper?.unauthorized();
    },
  });
  const cluster = await resolveClusterId(rest, options.clusterId, logger);
  const clusterId = cluster.id;
  const namespace = options.namespace;
  const queue = new WorkQueue({ timers });
  const facts = new KeyFacts();
  const secretIndex = new SecretIndex();
  const latestApiKeys = new LatestWrites<ApiKeyObject>(() => timers.now(), projectReadOnly);
  const latestSecrets = new LatestWrites<SecretObject>(() => timers.now(), projectSecret);
  const refusals = new Refusals();
  let leading = false;

  const watches = createWatches({
    rest,
    logger,
    namespace,
    secretIndex,
    latestApiKeys,
    latestSecrets,
    enqueue: (key) => {
      if (leading) queue.add(key);
    },
    onApiKey: (event, obj) => {
      if (event !== "delete") return;
      refusals.forget(obj.metadata.uid);
      deps.unanswered.delete(obj.metadata.uid);
      if (leading) retirement.deleted(obj);
    },
    onApiKeysListed: (startedAt) => {
      if (leading) retirement.sweep(startedAt);
    },
  });
  const { apiKeys, secrets, policies, namespaces } = watches;
  onAdopted = () => {
    // A 401 is never remembered (act-mint fails the reconcile instead), but a 403 can be about the key in
    // use (insufficient_scope, environment_mismatch, key_not_manageable): another key may be allowed.
    for (const o of apiKeys.list()) refusals.forget(o.metadata.uid);
    if (leading) watches.enqueueAll();
  };
  const retirement = new Retirement({
    keys,
    facts,
    logger,
    metrics,
    clusterId,
    clusterIdResolved: cluster.resolved,
    namespace,
    exists: (uid) => watches.ownerOf(uid) !== undefined,
  });
  const driftMetadata: Record<string, string> = {
    [KEY_METADATA.managedBy]: MANAGED_BY.controller,
    [KEY_METADATA.cluster]: clusterId,
  };
  if (namespace) driftMetadata[KEY_METADATA.namespace] = namespace;
  const revokedUse = watchRevokedUse({
    keys,
    facts,
    watches,
    events,
    clusterId,
    timers,
    logger,
  });
  const drift = new DriftWatcher({
    client: keys,
    facts,
    auditPage: () => revokedUse.pass(),
    metadata: driftMetadata,
    intervalMs: options.driftIntervalMs ?? 300_000,
    timers,
    logger,
    onChange: (changed: ApiKey[]) => {
      for (const key of changed) {
        const uid = readKeyMetadata(key.metadata, "uid");
        const owner = uid === undefined ? undefined : watches.ownerOf(uid);
        if (owner !== undefined && leading) queue.add(owner);
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
    refusals,
    unanswered: new Map(),
    clusterId,
  };

  const workers: Promise<void>[] = [];
  const beginLeading = async () => {
    metrics.leader.set(1);
    await drift.start();
    leading = true;
    keeper?.lead(keys);
    const loop = { queue, deps, logger, metrics, timers, timeoutMs: options.reconcileTimeoutMs ?? 60_000 };
    workers.push(...startReconcileLoop(loop, options.concurrency ?? 16));
    watches.enqueueAll();
    retirement.sweep(Date.now());
    logger.info(
      { apiKeys: apiKeys.size, keys: facts.size, clusterId, namespace: namespace ?? "(all)" },
      "reconciling",
    );
  };

  // /healthz answers while the caches fill (a large cluster takes a while to list): a liveness probe must
  // not kill a process that is only syncing. /readyz stays false until every informer has synced.
  const http = options.listen
    ? await startHealth({
        listen: options.listen,
        metrics,
        informers: watches.all,
        apiKeys,
        facts,
        queue,
        timers,
        leading: () => leading,
      })
    : undefined;
  if (http) logger.info({ url: http.url }, "serving /healthz /readyz /metrics");
  // Informers retry their list until it succeeds (a missing permission shows as unready, not as a crash).
  await Promise.all(watches.all.map((i) => i.start()));
  logger.info({ apiKeys: apiKeys.size, secrets: secrets.size, policies: policies.size }, "caches synced");

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
          logger.error({ err: error }, "could not start leading"),
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
        await keeper?.stop();
        await retirement.stop();
        await Promise.all(watches.all.map((i) => i.stop()));
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
