// Gather: one snapshot of everything the planner needs about one ApiKey — from the informer caches, the
// key facts of the drift list, and (only when the planner will need them) a Secret GET, the restart targets
// and the previous key's usage. All I/O of a decision lives here (cert-manager's gatherer.go).
import { factsNeeded } from "../../core/planner/plan.ts";
import {
  desiredSecretMeta,
  type SecretLayout,
  secretLayout,
  secretShapeOk,
} from "../../core/planner/secret-shape.ts";
import { keyFields } from "../../core/planner/status.ts";
import { ANNOTATIONS, type SecretFacts, type Snapshot, type TargetFacts } from "../../core/planner/types.ts";
import type { NamedPolicy } from "../../core/policy/evaluate.ts";
import { isNotFound } from "../kube/rest.ts";
import type { KubeObject, SecretObject } from "../kube/types.ts";
import type { ReconcileDeps } from "./deps.ts";
import { type ApiKeyObject, paths } from "./objects.ts";
import { controllerUid, decode, findValue, fingerprint, hasFinalizer } from "./secret-values.ts";

export interface Gathered {
  snapshot: Snapshot;
  obj: ApiKeyObject;
  layout: SecretLayout;
  secret: SecretObject | undefined;
  /** The values in the Secret that are the current and previous keys (never leave the shell). */
  values: { current: string | undefined; previous: string | undefined };
}

/** Secrets looked up by GET during one reconcile (a missing Secret is looked up once, not once per step). */
export type SecretLookups = Map<string, SecretObject | undefined>;

export async function readSecret(
  deps: ReconcileDeps,
  namespace: string,
  name: string,
  options: { lookups?: SecretLookups; signal?: AbortSignal } = {},
): Promise<SecretObject | undefined> {
  const { lookups, signal } = options;
  const key = `${namespace}/${name}`;
  const cached = deps.latestSecrets.pick(key, deps.secrets.get(key));
  if (cached !== undefined) return cached;
  if (lookups?.has(key)) return lookups.get(key);
  // Not in our (label-selected) cache: either missing, or a Secret we do not own.
  let found: SecretObject | undefined;
  try {
    found = await deps.rest.get<SecretObject>(paths.secret(namespace, name), undefined, { signal });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  lookups?.set(key, found);
  return found;
}

/**
 * The Secret's facts, judged against the keys service's record of the key it names: a value is intact
 * when its fingerprint annotation and the record's redacted form both match.
 */
function secretFacts(
  deps: ReconcileDeps,
  obj: ApiKeyObject,
  layout: SecretLayout,
  secret: SecretObject | undefined,
) {
  const values = { current: undefined as string | undefined, previous: undefined as string | undefined };
  if (secret === undefined) return { facts: { state: "missing" } as SecretFacts, values };
  const uid = obj.metadata.uid;
  const owner = controllerUid(secret);
  if (owner !== uid) {
    const who = secret.metadata.ownerReferences?.find((r) => r.controller);
    return {
      facts: {
        state: "foreign",
        owner: who ? `owned by ${who.kind} ${who.name}` : "it has no owner",
      } as SecretFacts,
      values,
    };
  }
  const annotations = secret.metadata.annotations ?? {};
  // Which key the Secret holds: the one its annotation names, or else the one status names (a hint only);
  // either way the value must match the keys service's redacted form of that key.
  let keyId: string | undefined;
  let held: ReturnType<typeof deps.facts.record>;
  for (const id of new Set([annotations[ANNOTATIONS.keyId], obj.status?.keyId])) {
    const record = id === undefined ? undefined : deps.facts.record(id);
    const value = findValue(secret, layout.key, record?.redacted, annotations[ANNOTATIONS.fingerprint]);
    if (record !== undefined && value !== undefined) {
      keyId = id;
      held = record;
      values.current = value;
      break;
    }
  }
  const previousKeyId = annotations[ANNOTATIONS.previousKeyId];
  const rawPrevious = decode(secret.data, layout.previousKey);
  const previousIntact =
    rawPrevious !== undefined &&
    previousKeyId !== undefined &&
    fingerprint(rawPrevious) === annotations[ANNOTATIONS.previousFingerprint];
  if (previousIntact) values.previous = rawPrevious;
  const desired = desiredSecretMeta(
    obj.spec,
    held === undefined ? {} : keyFields(held),
    previousIntact ? previousKeyId : undefined,
  );
  const shapeOk =
    values.current !== undefined &&
    annotations[ANNOTATIONS.fingerprint] === fingerprint(values.current) &&
    decode(secret.data, layout.key) === values.current &&
    secretShapeOk(
      {
        labels: secret.metadata.labels ?? {},
        annotations,
        dataKeys: Object.keys(secret.data ?? {}),
        controllerUid: owner,
      },
      desired,
      layout,
      uid,
    );
  const facts: SecretFacts = {
    state: "owned",
    keyId,
    previousKeyId,
    currentIntact: values.current !== undefined,
    previousIntact,
    hasPrevious: rawPrevious !== undefined,
    shapeOk,
  };
  return { facts, values };
}

function claimedBy(
  deps: ReconcileDeps,
  obj: ApiKeyObject,
  layout: SecretLayout,
  secret: SecretObject | undefined,
): string | undefined {
  const self = `${obj.metadata.namespace}/${obj.metadata.name}`;
  const others = deps.secretIndex
    .others(`${obj.metadata.namespace}/${layout.name}`, self)
    .filter((o) => o.metadata.deletionTimestamp === undefined);
  if (others.length === 0) return undefined;
  const owner = secret === undefined ? undefined : controllerUid(secret);
  if (owner === obj.metadata.uid) return undefined;
  const owning = others.find((o) => o.metadata.uid === owner);
  if (owning !== undefined) return owning.metadata.name;
  // Nobody owns it yet: the oldest claimant goes first, the others wait (no runaway creation).
  const order = (o: ApiKeyObject) => `${o.metadata.creationTimestamp ?? ""}/${o.metadata.name}`;
  const first = [obj, ...others].reduce((a, b) => (order(b) < order(a) ? b : a));
  return first === obj ? undefined : first.metadata.name;
}

async function targetFacts(
  deps: ReconcileDeps,
  obj: ApiKeyObject,
  keyId: string | undefined,
  signal: AbortSignal | undefined,
): Promise<TargetFacts[]> {
  const targets = (obj.spec as { restartTargets?: { kind: string; name: string }[] }).restartTargets ?? [];
  return Promise.all(
    targets.map(async (t) => {
      try {
        const w = await deps.rest.get<Workload>(
          paths.workload(obj.metadata.namespace, t.kind, t.name),
          undefined,
          { signal },
        );
        return {
          kind: t.kind,
          name: t.name,
          exists: true,
          restartedFor: w.spec?.template?.metadata?.annotations?.[ANNOTATIONS.restartedFor],
          rolledOut: rolledOut(t.kind, w) && keyId !== undefined,
        };
      } catch (error) {
        if (isNotFound(error))
          return { kind: t.kind, name: t.name, exists: false, restartedFor: undefined, rolledOut: true };
        throw error;
      }
    }),
  );
}

export interface Workload extends KubeObject {
  spec?: { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

/** kubectl rollout status, in short: the controller saw the latest spec and every replica is updated and available. */
export function rolledOut(kind: string, w: Workload): boolean {
  const s = w.status ?? {};
  if ((s.observedGeneration ?? 0) < (w.metadata.generation ?? 0)) return false;
  if (kind === "DaemonSet")
    return (
      (s.updatedNumberScheduled ?? 0) >= (s.desiredNumberScheduled ?? 0) &&
      (s.numberAvailable ?? 0) >= (s.desiredNumberScheduled ?? 0)
    );
  const wanted = w.spec?.replicas ?? 1;
  if (kind === "StatefulSet")
    return (
      (s.updatedReplicas ?? 0) >= wanted &&
      (s.readyReplicas ?? 0) >= wanted &&
      s.currentRevision === s.updateRevision
    );
  return (
    (s.updatedReplicas ?? 0) >= wanted && (s.availableReplicas ?? 0) >= wanted && (s.replicas ?? 0) <= wanted
  );
}

/** The last checks of the keys status and the Secret name (the planner reads the current key's). */
function verificationsOf(deps: ReconcileDeps, statusKeyId: string | undefined, secret: SecretFacts) {
  const held = secret.state === "owned" ? secret.keyId : undefined;
  return [...new Set([statusKeyId, held])].flatMap((id) =>
    id === undefined ? [] : (deps.facts.verification(id) ?? []),
  );
}

export interface GatherOptions {
  lookups?: SecretLookups;
  signal?: AbortSignal;
}

export async function gather(
  deps: ReconcileDeps,
  key: string,
  options: GatherOptions = {},
): Promise<Gathered | undefined> {
  const { signal } = options;
  const obj = deps.latestApiKeys.pick(key, deps.apiKeys.get(key));
  if (obj === undefined) return undefined;
  const { namespace, uid } = obj.metadata;
  const status = obj.status ?? {};
  const now = deps.timers.now();
  const layout = secretLayout(obj.spec, obj.metadata.name);
  const secret = await readSecret(deps, namespace, layout.name, options);
  const { facts, values } = secretFacts(deps, obj, layout, secret);
  const needed = factsNeeded(obj.spec, status, now);
  const previous = status.previousKeys?.[0];
  const current = status.keyId;
  const [targets, previousUsage, currentUsage] = await Promise.all([
    needed.targets ? targetFacts(deps, obj, status.keyId, signal) : Promise.resolve(undefined),
    needed.previousUsage && previous !== undefined
      ? deps.keys.getUsage(previous.keyId, {}, { signal }).then((u) => ({
          lastUsedAt: u.last_used_at === null ? null : Date.parse(u.last_used_at),
          flushIntervalMs: u.flush_interval_seconds * 1000,
        }))
      : Promise.resolve(undefined),
    needed.currentUsage && current !== undefined
      ? deps.keys.getUsage(current, {}, { signal }).then((u) => ({
          lastUsedAt: u.last_used_at === null ? null : Date.parse(u.last_used_at),
          flushIntervalMs: u.flush_interval_seconds * 1000,
        }))
      : Promise.resolve(undefined),
  ]);
  const policies: NamedPolicy[] = deps.policies.list().map((p) => ({ name: p.metadata.name, spec: p.spec }));
  const generation = obj.metadata.generation ?? 0;
  const snapshot: Snapshot = {
    now,
    clusterId: deps.clusterId,
    object: {
      uid,
      namespace,
      name: obj.metadata.name,
      generation,
      deleting: obj.metadata.deletionTimestamp !== undefined,
      hasFinalizer: hasFinalizer(obj),
      annotations: obj.metadata.annotations ?? {},
    },
    spec: obj.spec,
    status,
    secret: facts,
    secretClaimedBy: claimedBy(deps, obj, layout, secret),
    policy: { namespace, namespaceLabels: deps.namespaces.get(namespace)?.metadata.labels ?? {}, policies },
    keys: deps.facts.complete ? deps.facts.recordsFor(uid) : undefined,
    unanswered: deps.unanswered.get(uid),
    refusal: deps.refusals.of(uid, generation),
    targets,
    previousUsage,
    currentUsage,
    verifications: verificationsOf(deps, status.keyId, facts),
  };
  return { snapshot, obj, layout, secret, values };
}
