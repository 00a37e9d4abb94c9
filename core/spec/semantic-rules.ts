import { DurationError, parseDuration } from "../domain/durations.ts";
import { describeValue } from "../domain/safe-text.ts";
import type { KeySpec } from "./key-spec.ts";
import { SPEC_DEFAULTS } from "./key-spec.ts";
import { childPath } from "./paths.ts";
import type { SpecError } from "./spec-error.ts";

/* Rules a JSON Schema cannot express. Each has one stable id and says why in its message. */

export const SPEC_RULES = {
  duration: "duration",
  expiryBoth: "expiry-both",
  renewBeforeWithoutExpiry: "renew-before-without-expiry",
  graceShorterThanRotation: "grace-shorter-than-rotation",
  renewBeforeShorterThanLifetime: "renew-before-shorter-than-lifetime",
  lifetimeLongerThanGrace: "lifetime-longer-than-grace",
  rotationShorterThanLifetime: "rotation-shorter-than-lifetime",
  quietNotLongerThanGrace: "quiet-not-longer-than-grace",
  expiresAtInFuture: "expires-at-in-future",
  kubernetesOnly: "kubernetes-only",
  secretKeysDistinct: "secret-keys-distinct",
  restartTargetsUnique: "restart-targets-unique",
} as const;

type DurationField = "expiresAfter" | "every" | "renewBefore" | "gracePeriod" | "quietPeriod";
type Durations = Partial<Record<DurationField, number>>;
type RuleInput = { spec: KeySpec; ms: Durations; now: Date };
type SemanticRule = (input: RuleInput) => SpecError[];

const ok: SpecError[] = [];

/** Parses every duration once; the rules below see only the ones that parsed. */
export function parseSpecDurations(spec: KeySpec): { ms: Durations; errors: SpecError[] } {
  const fields: [DurationField, string, string | undefined][] = [
    ["expiresAfter", "expiresAfter", spec.expiresAfter],
    ["every", "rotation.every", spec.rotation?.every],
    ["renewBefore", "rotation.renewBefore", spec.rotation?.renewBefore],
    ["gracePeriod", "rotation.gracePeriod", spec.rotation?.gracePeriod],
    ["quietPeriod", "rotation.quietPeriod", spec.rotation?.quietPeriod],
  ];
  const ms: Durations = {};
  const errors: SpecError[] = [];
  for (const [field, path, text] of fields) {
    if (text === undefined) continue;
    try {
      // A zero grace period means "revoke the old key at once"; zero anything else is meaningless.
      ms[field] = parseDuration(text, { allowZero: field === "gracePeriod" });
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      errors.push({ path, rule: SPEC_RULES.duration, message: `${path}: ${error.message}.` });
    }
  }
  return { ms, errors };
}

const expiryBoth: SemanticRule = ({ spec }) =>
  spec.expiresAfter !== undefined && spec.expiresAt !== undefined
    ? [
        {
          path: "expiresAt",
          rule: SPEC_RULES.expiryBoth,
          message:
            "expiresAfter and expiresAt are both set; set one: expiresAfter for a lifetime that restarts with each new key, or expiresAt for a fixed date.",
        },
      ]
    : ok;

const renewBeforeWithoutExpiry: SemanticRule = ({ spec }) =>
  spec.rotation?.renewBefore !== undefined && spec.expiresAfter === undefined && spec.expiresAt === undefined
    ? [
        {
          path: "rotation.renewBefore",
          rule: SPEC_RULES.renewBeforeWithoutExpiry,
          message:
            "rotation.renewBefore is set but the key never expires, so it would never apply; set expiresAfter or expiresAt, or rotate with rotation.every.",
        },
      ]
    : ok;

const graceShorterThanRotation: SemanticRule = ({ spec, ms }) =>
  ms.gracePeriod !== undefined && ms.every !== undefined && ms.gracePeriod >= ms.every
    ? [
        {
          path: "rotation.gracePeriod",
          rule: SPEC_RULES.graceShorterThanRotation,
          message: `rotation.gracePeriod (${spec.rotation?.gracePeriod}) must be shorter than rotation.every (${spec.rotation?.every}): otherwise the next rotation starts while the previous key is still in its grace period.`,
        },
      ]
    : ok;

const renewBeforeShorterThanLifetime: SemanticRule = ({ spec, ms }) =>
  ms.renewBefore !== undefined && ms.expiresAfter !== undefined && ms.renewBefore >= ms.expiresAfter
    ? [
        {
          path: "rotation.renewBefore",
          rule: SPEC_RULES.renewBeforeShorterThanLifetime,
          message: `rotation.renewBefore (${spec.rotation?.renewBefore}) must be shorter than expiresAfter (${spec.expiresAfter}): otherwise every new key is due for renewal the moment it is created.`,
        },
      ]
    : ok;

const lifetimeLongerThanGrace: SemanticRule = ({ spec, ms }) =>
  ms.expiresAfter !== undefined && ms.gracePeriod !== undefined && ms.expiresAfter <= ms.gracePeriod
    ? [
        {
          path: "expiresAfter",
          rule: SPEC_RULES.lifetimeLongerThanGrace,
          message: `expiresAfter (${spec.expiresAfter}) must be longer than rotation.gracePeriod (${spec.rotation?.gracePeriod}): a key must outlive the overlap in which the old and new keys both work.`,
        },
      ]
    : ok;

const rotationShorterThanLifetime: SemanticRule = ({ spec, ms }) =>
  ms.every !== undefined && ms.expiresAfter !== undefined && ms.every >= ms.expiresAfter
    ? [
        {
          path: "rotation.every",
          rule: SPEC_RULES.rotationShorterThanLifetime,
          message: `rotation.every (${spec.rotation?.every}) must be shorter than expiresAfter (${spec.expiresAfter}): otherwise each key expires before it is rotated.`,
        },
      ]
    : ok;

const quietNotLongerThanGrace: SemanticRule = ({ spec, ms }) =>
  ms.quietPeriod !== undefined && ms.gracePeriod !== undefined && ms.quietPeriod > ms.gracePeriod
    ? [
        {
          path: "rotation.quietPeriod",
          rule: SPEC_RULES.quietNotLongerThanGrace,
          message: `rotation.quietPeriod (${spec.rotation?.quietPeriod}) must not be longer than rotation.gracePeriod (${spec.rotation?.gracePeriod}): the old key is revoked when the grace period ends, so it could never be quiet that long.`,
        },
      ]
    : ok;

const expiresAtInFuture: SemanticRule = ({ spec, now }) =>
  spec.expiresAt !== undefined && Date.parse(spec.expiresAt) <= now.getTime()
    ? [
        {
          path: "expiresAt",
          rule: SPEC_RULES.expiresAtInFuture,
          message: `expiresAt (${spec.expiresAt}) is not in the future: the key would be expired already; choose a later date or use expiresAfter.`,
        },
      ]
    : ok;

const secretKeysDistinct: SemanticRule = ({ spec }) => {
  if (spec.secret === undefined) return ok;
  const key = spec.secret.key ?? SPEC_DEFAULTS.secretKey;
  const previousKey = spec.secret.previousKey ?? SPEC_DEFAULTS.secretPreviousKey;
  return key === previousKey
    ? [
        {
          path: "secret.previousKey",
          rule: SPEC_RULES.secretKeysDistinct,
          message: `secret.key and secret.previousKey are both ${describeValue(key)}; they must name different data keys, or the previous key would overwrite the current one.`,
        },
      ]
    : ok;
};

const restartTargetsUnique: SemanticRule = ({ spec }) => {
  const seen = new Map<string, number>();
  const errors: SpecError[] = [];
  (spec.restartTargets ?? []).forEach((target, index) => {
    const id = `${target.kind}/${target.name}`;
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, index);
      return;
    }
    errors.push({
      path: childPath("restartTargets", index),
      rule: SPEC_RULES.restartTargetsUnique,
      message: `restartTargets[${index}] repeats ${target.kind} ${describeValue(target.name)} (already restartTargets[${first}]); list each workload once, it is restarted once per rotation.`,
    });
  });
  return errors;
};

const RULES: readonly SemanticRule[] = [
  expiryBoth,
  renewBeforeWithoutExpiry,
  graceShorterThanRotation,
  renewBeforeShorterThanLifetime,
  lifetimeLongerThanGrace,
  rotationShorterThanLifetime,
  quietNotLongerThanGrace,
  expiresAtInFuture,
  secretKeysDistinct,
  restartTargetsUnique,
];

/** Every semantic problem of a schema-valid spec. */
export function semanticErrors(spec: KeySpec, now: Date): SpecError[] {
  const { ms, errors } = parseSpecDurations(spec);
  return [...errors, ...RULES.flatMap((rule) => rule({ spec, ms, now }))];
}
