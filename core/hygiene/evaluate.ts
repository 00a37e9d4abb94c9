import { DAY_MS, parseDuration } from "../domain/durations.ts";
import { describeValue } from "../domain/safe-text.ts";
import { isWriteScope } from "../domain/scopes.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import { childPath } from "../spec/paths.ts";
import { scanForKeyLiterals } from "./key-literals.ts";
import { isPoorName, readOnlyNameWord } from "./names.ts";
import {
  type HygieneConfig,
  type HygieneFinding,
  type HygieneRuleId,
  type ResolvedHygieneConfig,
  resolveHygieneConfig,
} from "./rules.ts";

export type HygieneOptions = { config?: HygieneConfig; now?: Date };

type Hit = { rule: HygieneRuleId; path: string; message: string };
type Input = { spec: KeySpec; config: ResolvedHygieneConfig; lifetimeMs: number | undefined };
type Check = (input: Input) => Hit[];

const none: Hit[] = [];

// A lifetime that fails to parse is the validator's business; here it counts as unknown.
function lifetimeOf(spec: KeySpec, now: Date): number | undefined {
  try {
    if (spec.expiresAfter !== undefined) return parseDuration(spec.expiresAfter);
  } catch {
    return undefined;
  }
  return spec.expiresAt === undefined ? undefined : Date.parse(spec.expiresAt) - now.getTime();
}

const expiryPath = (spec: KeySpec) => (spec.expiresAt !== undefined ? "expiresAt" : "expiresAfter");
const days = (ms: number) => Math.ceil(ms / DAY_MS);

const liveAdminFull: Check = ({ spec, config, lifetimeMs }) =>
  spec.environment === "live" &&
  spec.scopes.includes("admin:full") &&
  (lifetimeMs === undefined || lifetimeMs > config.adminMaxLifetimeDays * DAY_MS)
    ? [
        {
          rule: "live-admin-full",
          path: "scopes",
          message: `A live key with admin:full has complete access to the account; give it only the scopes it needs, or make it expire within ${config.adminMaxLifetimeDays} days (${lifetimeMs === undefined ? "it never expires" : `it lives ${days(lifetimeMs)} days`}).`,
        },
      ]
    : none;

function expiryChecks(environment: "live" | "test", maxDays: (c: ResolvedHygieneConfig) => number): Check {
  return ({ spec, config, lifetimeMs }) => {
    if (spec.environment !== environment) return none;
    if (spec.expiresAfter === undefined && spec.expiresAt === undefined) {
      return [
        {
          rule: `${environment}-no-expiry`,
          path: "expiresAfter",
          message: `This ${environment} key never expires; set expiresAfter (at most ${maxDays(config)}d) so a leaked key stops working on its own.`,
        },
      ];
    }
    return lifetimeMs !== undefined && lifetimeMs > maxDays(config) * DAY_MS
      ? [
          {
            rule: `${environment}-long-expiry`,
            path: expiryPath(spec),
            message: `This ${environment} key lives ${days(lifetimeMs)} days, more than the ${maxDays(config)} allowed; shorten ${expiryPath(spec)} and rotate instead.`,
          },
        ]
      : none;
  };
}

const liveZeroGrace: Check = ({ spec }) => {
  const grace = spec.rotation?.gracePeriod;
  let zero = false;
  try {
    zero = grace !== undefined && parseDuration(grace, { allowZero: true }) === 0;
  } catch {}
  return spec.environment === "live" && zero
    ? [
        {
          rule: "live-zero-grace",
          path: "rotation.gracePeriod",
          message:
            "rotation.gracePeriod is zero on a live key: the old key stops working the moment a new one is made, before every system has moved; the seed's timeline allows 7d.",
        },
      ]
    : none;
};

const poorName: Check = ({ spec, config }) =>
  isPoorName(spec.displayName, config.extraPoorNames)
    ? [
        {
          rule: "poor-name",
          path: "displayName",
          message: `displayName ${describeValue(spec.displayName)} does not say what uses the key; name it for its purpose, e.g. "Production Web Application" or "Mobile App - iOS".`,
        },
      ]
    : none;

const writeScopeOnReadOnlyName: Check = ({ spec, config }) => {
  const word = readOnlyNameWord(spec.displayName, config.extraReadOnlyNameWords);
  const writes = spec.scopes.filter(isWriteScope);
  return word !== undefined && writes.length > 0
    ? [
        {
          rule: "write-scope-on-readonly-name",
          path: "scopes",
          message: `displayName ${describeValue(spec.displayName)} suggests read-only use (${word}), but the key has ${writes.join(", ")}; a read-only dashboard needs only read scopes, e.g. analytics:read, conversations:read.`,
        },
      ]
    : none;
};

// Free-text fields can carry a pasted key just like a reviewed file.
const keyLiteralInSpec: Check = ({ spec }) => {
  const texts: [string, string | undefined][] = [
    ["displayName", spec.displayName],
    ["owner", spec.owner],
    ["purpose", spec.purpose],
    ["description", spec.description],
    ...Object.entries(spec.secret?.labels ?? {}).map(([k, v]): [string, string] => [
      childPath("secret.labels", k),
      v,
    ]),
    ...Object.entries(spec.secret?.annotations ?? {}).map(([k, v]): [string, string] => [
      childPath("secret.annotations", k),
      v,
    ]),
  ];
  return texts.flatMap(([path, text]) =>
    text !== undefined && scanForKeyLiterals(text).length > 0
      ? [
          {
            rule: "key-literal" as const,
            path,
            message: `${path} contains a full API key. Treat that key as compromised: revoke it, and remove it from the spec.`,
          },
        ]
      : none,
  );
};

const CHECKS: readonly Check[] = [
  liveAdminFull,
  expiryChecks("live", (c) => c.maxLiveLifetimeDays),
  expiryChecks("test", (c) => c.maxTestLifetimeDays),
  liveZeroGrace,
  poorName,
  writeScopeOnReadOnlyName,
  keyLiteralInSpec,
];

/** Every hygiene finding for a (validated) spec, with the configured severities; "off" rules are left out. */
export function evaluateHygiene(spec: KeySpec, options: HygieneOptions = {}): HygieneFinding[] {
  const config = resolveHygieneConfig(options.config);
  const input = { spec, config, lifetimeMs: lifetimeOf(spec, options.now ?? new Date()) };
  return CHECKS.flatMap((check) => check(input)).flatMap((hit) => {
    const severity = config.severity(hit.rule);
    return severity === "off" ? [] : [{ ...hit, severity }];
  });
}
