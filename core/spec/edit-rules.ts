import { parseDuration } from "../domain/durations.ts";
import { sameScopes } from "../domain/scopes.ts";
import type { KeySpec, RestartTarget } from "./key-spec.ts";
import { SPEC_DEFAULTS } from "./key-spec.ts";

/**
 * What an edit of the spec does to the key (contract 2), for the Pulumi diff and the PR review.
 * Lists hold spec paths, in spec order.
 */
export type SpecEdit = {
  /** A new key is minted: a roll (old key kept for the grace period) or a new environment. */
  newKey: boolean;
  /** environment changed: the new key is created in the other environment. */
  replaceEnvironment: boolean;
  /** Cosmetic fields, PATCHed in place on the same key. */
  inPlace: string[];
  /** Fields whose change rolls the key: scopes, expiresAfter, expiresAt. */
  rolling: string[];
  /** rotation.* changes: a different schedule, no key by themselves. */
  scheduleChanged: string[];
  /** Kubernetes delivery (secret, restartTargets, deletionPolicy): the key stays the same. */
  deliveryChanged: string[];
};

const IN_PLACE = ["displayName", "owner", "purpose", "description"] as const;
const ROTATION = ["every", "renewBefore", "gracePeriod", "quietPeriod"] as const;

// Durations compare by length, so "90d" → "P90D" is not a change.
function sameDuration(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    return parseDuration(a, { allowZero: true }) === parseDuration(b, { allowZero: true });
  } catch {
    return a === b;
  }
}

// Instants compare by time, so "…T00:00:00Z" → "…T00:00:00.000Z" is not a change.
function sameInstant(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const [ta, tb] = [Date.parse(a), Date.parse(b)];
  return Number.isNaN(ta) || Number.isNaN(tb) ? a === b : ta === tb;
}

function sameMap(a: Record<string, string> = {}, b: Record<string, string> = {}): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function sameTargets(a: RestartTarget[] = [], b: RestartTarget[] = []): boolean {
  const ids = (targets: RestartTarget[]) => new Set(targets.map((t) => `${t.kind}/${t.name}`));
  const [ia, ib] = [ids(a), ids(b)];
  return ia.size === ib.size && [...ia].every((id) => ib.has(id));
}

function deliveryChanges(before: KeySpec, after: KeySpec): string[] {
  const [sb, sa] = [before.secret ?? {}, after.secret ?? {}];
  const changed: string[] = [];
  if (sb.name !== sa.name) changed.push("secret.name");
  if ((sb.key ?? SPEC_DEFAULTS.secretKey) !== (sa.key ?? SPEC_DEFAULTS.secretKey)) changed.push("secret.key");
  const [pb, pa] = [sb.previousKey, sa.previousKey].map((k) => k ?? SPEC_DEFAULTS.secretPreviousKey);
  if (pb !== pa) changed.push("secret.previousKey");
  if (!sameMap(sb.labels, sa.labels)) changed.push("secret.labels");
  if (!sameMap(sb.annotations, sa.annotations)) changed.push("secret.annotations");
  if (!sameTargets(before.restartTargets, after.restartTargets)) changed.push("restartTargets");
  const policy = (spec: KeySpec) => spec.deletionPolicy ?? SPEC_DEFAULTS.deletionPolicy;
  if (policy(before) !== policy(after)) changed.push("deletionPolicy");
  return changed;
}

/** Contract 2's edit rules: the one place that decides whether an edit mints a key. */
export function mintsNewKey(before: KeySpec, after: KeySpec): SpecEdit {
  const inPlace = IN_PLACE.filter((field) => before[field] !== after[field]);
  const rolling: string[] = [];
  if (!sameScopes(before.scopes, after.scopes)) rolling.push("scopes");
  if (!sameDuration(before.expiresAfter, after.expiresAfter)) rolling.push("expiresAfter");
  if (!sameInstant(before.expiresAt, after.expiresAt)) rolling.push("expiresAt");
  const scheduleChanged = ROTATION.filter(
    (field) => !sameDuration(before.rotation?.[field], after.rotation?.[field]),
  ).map((field) => `rotation.${field}`);
  const replaceEnvironment = before.environment !== after.environment;
  return {
    newKey: replaceEnvironment || rolling.length > 0,
    replaceEnvironment,
    inPlace,
    rolling,
    scheduleChanged,
    deliveryChanged: deliveryChanges(before, after),
  };
}
