// Who manages a key, read from the metadata ayra-keys writes when it mints one. Commands act differently on each
// kind (the controller's annotation, a refusal naming `pulumi up`, the keys API directly), so they all ask here.
import { KEY_METADATA, MANAGED_BY, readKeyMetadata } from "../keys/key-metadata.ts";

export interface ControllerOwner {
  kind: "controller";
  /** Absent on keys minted before the cluster was recorded. */
  cluster?: string;
  namespace: string;
  name: string;
  uid?: string;
}

export interface PulumiOwner {
  kind: "pulumi";
  stack: string;
  urn: string;
}

export interface Unmanaged {
  kind: "unmanaged";
}

export type KeyOwner = ControllerOwner | PulumiOwner | Unmanaged;

const UNMANAGED: Unmanaged = { kind: "unmanaged" };

/**
 * The owner a key's metadata names. A key that claims a manager but lacks the fields to find its owner
 * (namespace and name; a URN) is reported unmanaged: nothing could act on it through that manager.
 */
export function keyOwner(metadata: Readonly<Record<string, string>> | null | undefined): KeyOwner {
  const managedBy = readKeyMetadata(metadata, "managedBy");
  if (managedBy === MANAGED_BY.controller) {
    const namespace = readKeyMetadata(metadata, "namespace");
    const name = readKeyMetadata(metadata, "name");
    if (!namespace || !name) return UNMANAGED;
    const owner: ControllerOwner = { kind: "controller", namespace, name };
    const cluster = readKeyMetadata(metadata, "cluster");
    const uid = readKeyMetadata(metadata, "uid");
    if (cluster) owner.cluster = cluster;
    if (uid) owner.uid = uid;
    return owner;
  }
  if (managedBy === MANAGED_BY.pulumi) {
    const urn = readKeyMetadata(metadata, "pulumiUrn");
    if (!urn) return UNMANAGED;
    // A URN names its stack and project (`urn:pulumi:<stack>::<project>::…`): enough when pulumi_stack is missing.
    const stack = readKeyMetadata(metadata, "pulumiStack") || /^urn:pulumi:[^:]+::[^:]+/.exec(urn)?.[0];
    if (!stack) return UNMANAGED;
    return { kind: "pulumi", stack, urn };
  }
  return UNMANAGED;
}

/** `urn:pulumi:<stack>::<project>` (the `pulumi_stack` metadata, or the start of a URN) to its parts. */
export function stackRef(value: string): { stack: string; project: string } | undefined {
  const match = /^urn:pulumi:([^:]+)::([^:]+)/.exec(value);
  return match?.[1] && match[2] ? { stack: match[1], project: match[2] } : undefined;
}

/** A stack as people name it, `project/stack`; a value that is not a stack reference stays as written. */
export function stackLabel(stack: string): string {
  const ref = stackRef(stack);
  return ref ? `${ref.project}/${ref.stack}` : stack;
}

/** One line for people: `controller team-a/web`, `pulumi shop/prod urn:…`, `unmanaged`. */
export function describeKeyOwner(owner: KeyOwner): string {
  switch (owner.kind) {
    case "controller":
      return `controller ${owner.cluster ? `${owner.cluster}:` : ""}${owner.namespace}/${owner.name}`;
    case "pulumi":
      return `pulumi ${stackLabel(owner.stack)} ${owner.urn}`;
    case "unmanaged":
      return "unmanaged";
  }
}

/** The metadata names read here, for callers that filter the keys API by them. */
export const KEY_OWNER_FIELDS = [
  KEY_METADATA.managedBy,
  KEY_METADATA.cluster,
  KEY_METADATA.namespace,
  KEY_METADATA.name,
  KEY_METADATA.uid,
  KEY_METADATA.pulumiStack,
  KEY_METADATA.pulumiUrn,
] as const;
