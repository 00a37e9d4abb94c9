// What the informers keep of each object: only the fields gather, the planner and the writes read. The API
// server sends much more — managedFields, and `kubectl apply`'s last-applied-configuration annotation (a whole
// second copy of the object) — and at thousands of ApiKeys those copies are most of the cache.
import type { KubeObject, ObjectMeta, SecretObject } from "./types.ts";

export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

const KEPT_META = [
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "labels",
  "annotations",
  "finalizers",
  "ownerReferences",
] as const satisfies readonly (keyof ObjectMeta)[];

function keptMeta(meta: ObjectMeta, options: { lastApplied: boolean }): ObjectMeta {
  const out: ObjectMeta = { name: meta.name };
  for (const field of KEPT_META) if (meta[field] !== undefined) Object.assign(out, { [field]: meta[field] });
  if (!options.lastApplied && meta.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined) {
    const { [LAST_APPLIED_ANNOTATION]: _dropped, ...rest } = meta.annotations;
    out.annotations = rest;
  }
  return out;
}

/**
 * An object read but never written back whole (ApiKeys — only their status subresource is written —,
 * policies, namespaces): metadata the controller reads, without the last-applied copy, plus its own fields.
 */
export function projectReadOnly<T extends KubeObject>(obj: T): T {
  return { ...obj, metadata: keptMeta(obj.metadata, { lastApplied: false }) };
}

/** A namespace: only what policies select on. */
export function projectNamespace<T extends KubeObject>(obj: T): T {
  const { name, uid, resourceVersion, labels } = obj.metadata;
  return {
    metadata: { name, uid, resourceVersion, ...(labels ? { labels } : {}) },
  } as T;
}

/**
 * A Secret is written back whole from the cached copy (others' labels and annotations stay), so it keeps every
 * annotation, last-applied included, and every field; only managedFields and server-only metadata go.
 */
export function projectSecret<T extends SecretObject>(obj: T): T {
  return { ...obj, metadata: keptMeta(obj.metadata, { lastApplied: true }) };
}
