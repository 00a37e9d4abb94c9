// Informers → keys: which ApiKey to reconcile when an ApiKey, its Secret, a policy or a namespace changes,
// and which ApiKey owns a key the drift list reports (by the uid in the key's metadata).
import type { Logger } from "pino";
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../../core/planner/types.ts";
import { Informer, type InformerEvent } from "../kube/informer.ts";
import { projectNamespace, projectReadOnly, projectSecret } from "../kube/projections.ts";
import type { KubeRest } from "../kube/rest.ts";
import { type KubeObject, objectKey, type SecretObject } from "../kube/types.ts";
import type { LatestWrites } from "../reconcile/latest.ts";
import { type ApiKeyObject, type ApiKeyPolicyObject, paths } from "../reconcile/objects.ts";
import type { SecretIndex } from "../reconcile/secret-index.ts";

export interface WatchesOptions {
  rest: KubeRest;
  logger: Logger;
  namespace: string | undefined;
  secretIndex: SecretIndex;
  latestApiKeys: LatestWrites<ApiKeyObject>;
  latestSecrets: LatestWrites<SecretObject>;
  enqueue: (key: string) => void;
  /** Every ApiKey event, after the indexes are updated (metrics, revocation on delete). */
  onApiKey?: (event: InformerEvent, obj: ApiKeyObject) => void;
  /** After every full list of ApiKeys (the sweep runs then). */
  onApiKeysListed?: (startedAt: number) => void;
}

export interface Watches {
  apiKeys: Informer<ApiKeyObject>;
  secrets: Informer<SecretObject>;
  policies: Informer<ApiKeyPolicyObject>;
  namespaces: Informer<KubeObject>;
  all: Informer<KubeObject>[];
  /** The ApiKey (namespace/name) with this uid, if it is in the cache. */
  ownerOf(uid: string): string | undefined;
  enqueueAll(inNamespace?: string): void;
}

export function createWatches(o: WatchesOptions): Watches {
  const { rest, logger, namespace, enqueue } = o;
  const uidIndex = new Map<string, string>();
  const apiKeys = new Informer<ApiKeyObject>({
    name: "apikeys",
    rest,
    path: paths.apiKeys(namespace),
    project: projectReadOnly,
    logger,
    onEvent: (event, obj) => {
      const key = objectKey(obj);
      const deleted = event === "delete";
      o.latestApiKeys.observe(key, deleted ? undefined : obj);
      o.secretIndex.update(obj, deleted);
      if (deleted) uidIndex.delete(obj.metadata.uid);
      else uidIndex.set(obj.metadata.uid, key);
      o.onApiKey?.(event, obj);
      enqueue(key);
    },
    ...(o.onApiKeysListed ? { onListed: o.onApiKeysListed } : {}),
  });
  const secrets = new Informer<SecretObject>({
    name: "secrets",
    rest,
    path: paths.secrets(namespace),
    labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
    project: projectSecret,
    logger,
    onEvent: (event, obj) => {
      const key = objectKey(obj);
      o.latestSecrets.observe(key, event === "delete" ? undefined : obj);
      for (const owner of obj.metadata.ownerReferences ?? [])
        if (owner.kind === "ApiKey") enqueue(`${obj.metadata.namespace}/${owner.name}`);
      for (const claimant of o.secretIndex.claimants(key)) enqueue(claimant);
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
    project: projectReadOnly,
    logger,
    onEvent: () => enqueueAll(),
  });
  const namespaces = new Informer<KubeObject>({
    name: "namespaces",
    rest,
    path: paths.namespaces(),
    ...(namespace ? { fieldSelector: `metadata.name=${namespace}` } : {}),
    project: projectNamespace,
    logger,
    onEvent: (event, obj) => {
      if (event === "update") enqueueAll(obj.metadata.name);
    },
  });
  return {
    apiKeys,
    secrets,
    policies,
    namespaces,
    all: [apiKeys, secrets, policies, namespaces] as Informer<KubeObject>[],
    ownerOf: (uid) => uidIndex.get(uid),
    enqueueAll,
  };
}
