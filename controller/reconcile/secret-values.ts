// The only code that touches key values: reading them from a Secret and building the Secret to write.
// Values go from the keys API's answer (or the existing Secret) into Secret data, and nowhere else.
import { createHash } from "node:crypto";
import { redact } from "../../core/domain/key-format.ts";
import { desiredSecretMeta, type SecretLayout } from "../../core/planner/secret-shape.ts";
import { ANNOTATIONS, type ApiKeyStatus, FINALIZER } from "../../core/planner/types.ts";
import type { OwnerReference, SecretObject } from "../kube/types.ts";
import { API_KEY_API_VERSION, type ApiKeyObject } from "./objects.ts";

export function fingerprint(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 32);
}

export function decode(data: Record<string, string> | undefined, key: string): string | undefined {
  const raw = data?.[key];
  return raw === undefined ? undefined : Buffer.from(raw, "base64").toString("utf8");
}

const encode = (value: string) => Buffer.from(value, "utf8").toString("base64");

export function ownerReference(obj: ApiKeyObject): OwnerReference {
  return {
    apiVersion: API_KEY_API_VERSION,
    kind: "ApiKey",
    name: obj.metadata.name,
    uid: obj.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerUid(secret: SecretObject): string | undefined {
  return secret.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

/** The value that is the key `redacted` names: under `key`, or (after a spec.secret.key change) any data key. */
export function findValue(
  secret: SecretObject,
  key: string,
  redacted: string | undefined,
  fp: string | undefined,
): string | undefined {
  const matches = (v: string | undefined) =>
    v !== undefined &&
    redacted !== undefined &&
    redact(v) === redacted &&
    (fp === undefined || fingerprint(v) === fp);
  const direct = decode(secret.data, key);
  if (matches(direct)) return direct;
  for (const k of Object.keys(secret.data ?? {})) {
    const v = decode(secret.data, k);
    if (matches(v)) return v;
  }
  return undefined;
}

export interface SecretContent {
  current: string;
  previous?: { keyId: string; value: string };
}

/** The whole Secret to write for `status` (already updated to the new key) and the values. */
export function buildSecret(
  obj: ApiKeyObject,
  layout: SecretLayout,
  status: ApiKeyStatus,
  content: SecretContent,
  existing: SecretObject | undefined,
): SecretObject {
  const meta = desiredSecretMeta(obj.spec, status, content.previous?.keyId);
  const annotations: Record<string, string> = { ...existing?.metadata.annotations };
  // Our own annotations are rewritten whole; others' additions stay.
  for (const k of Object.values(ANNOTATIONS)) delete annotations[k];
  Object.assign(annotations, meta.annotations, { [ANNOTATIONS.fingerprint]: fingerprint(content.current) });
  const data: Record<string, string> = { [layout.key]: encode(content.current) };
  if (content.previous !== undefined) {
    data[layout.previousKey] = encode(content.previous.value);
    annotations[ANNOTATIONS.previousFingerprint] = fingerprint(content.previous.value);
  }
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: existing?.type ?? "Opaque",
    metadata: {
      name: layout.name,
      namespace: obj.metadata.namespace,
      ...(existing?.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
      labels: { ...existing?.metadata.labels, ...meta.labels },
      annotations,
      ownerReferences: [
        ownerReference(obj),
        ...(existing?.metadata.ownerReferences ?? []).filter((r) => !r.controller),
      ],
    },
    data,
  };
}

/** True when writing `next` over `existing` would change nothing that matters. */
export function sameSecret(existing: SecretObject | undefined, next: SecretObject): boolean {
  if (existing === undefined) return false;
  const json = (v: unknown) => JSON.stringify(v ?? {}, Object.keys((v as object) ?? {}).sort());
  return (
    json(existing.data) === json(next.data) &&
    json(existing.metadata.labels) === json(next.metadata.labels) &&
    json(existing.metadata.annotations) === json(next.metadata.annotations) &&
    controllerUid(existing) === controllerUid(next)
  );
}

export const hasFinalizer = (obj: ApiKeyObject) => obj.metadata.finalizers?.includes(FINALIZER) ?? false;
