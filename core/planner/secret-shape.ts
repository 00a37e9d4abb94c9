// What the ApiKey's Secret should look like, apart from the key values: its name and data keys, the template
// labels and annotations from spec.secret, and the non-secret facts (key id, redacted form, expiry). The
// ApiKey's own labels are never copied (Argo CD's tracking label would make Argo prune the Secret).
import { SPEC_DEFAULTS } from "../spec/key-spec.ts";
import { ANNOTATIONS, type ApiKeyStatus, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "./types.ts";

export interface SecretLayout {
  name: string;
  key: string;
  previousKey: string;
}

type SecretSpecLike = {
  name?: string;
  key?: string;
  previousKey?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};

function secretSpecOf(spec: unknown): SecretSpecLike {
  if (typeof spec !== "object" || spec === null) return {};
  const secret = (spec as { secret?: unknown }).secret;
  return typeof secret === "object" && secret !== null ? (secret as SecretSpecLike) : {};
}

/** Read from a raw spec too: the layout is needed even when the spec is invalid (deletion, finding the Secret). */
export function secretLayout(spec: unknown, objectName: string): SecretLayout {
  const secret = secretSpecOf(spec);
  return {
    name: secret.name ?? objectName,
    key: secret.key ?? SPEC_DEFAULTS.secretKey,
    previousKey: secret.previousKey ?? SPEC_DEFAULTS.secretPreviousKey,
  };
}

export interface SecretMeta {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Labels and annotations the Secret must carry (fingerprints are added by the shell, which holds the values). */
export function desiredSecretMeta(
  spec: unknown,
  status: ApiKeyStatus,
  previousKeyId: string | undefined,
): SecretMeta {
  const secret = secretSpecOf(spec);
  const annotations: Record<string, string> = { ...secret.annotations };
  if (status.keyId !== undefined) annotations[ANNOTATIONS.keyId] = status.keyId;
  if (status.redacted !== undefined) annotations[ANNOTATIONS.redacted] = status.redacted;
  if (status.expiresAt) annotations[ANNOTATIONS.expiresAt] = status.expiresAt;
  if (previousKeyId !== undefined) annotations[ANNOTATIONS.previousKeyId] = previousKeyId;
  return { labels: { ...secret.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }, annotations };
}

export interface ActualSecretShape extends SecretMeta {
  dataKeys: string[];
  /** uid of the controlling owner reference. */
  controllerUid: string | undefined;
}

const OUR_ANNOTATIONS: readonly string[] = Object.values(ANNOTATIONS);

/**
 * Whether the Secret's metadata and data keys are as desired. Template labels and annotations must be present
 * with our values (others' additions are left alone); our own annotations must match exactly.
 */
export function secretShapeOk(
  actual: ActualSecretShape,
  desired: SecretMeta,
  layout: SecretLayout,
  uid: string,
): boolean {
  if (actual.controllerUid !== uid) return false;
  for (const [k, v] of Object.entries(desired.labels)) if (actual.labels[k] !== v) return false;
  for (const [k, v] of Object.entries(desired.annotations)) if (actual.annotations[k] !== v) return false;
  for (const k of Object.keys(actual.annotations)) {
    const ours =
      OUR_ANNOTATIONS.includes(k) && k !== ANNOTATIONS.fingerprint && k !== ANNOTATIONS.previousFingerprint;
    if (ours && desired.annotations[k] === undefined) return false;
  }
  if (!actual.dataKeys.includes(layout.key)) return false;
  const hasPrevious = desired.annotations[ANNOTATIONS.previousKeyId] !== undefined;
  return actual.dataKeys.every((k) => k === layout.key || (hasPrevious && k === layout.previousKey));
}
