// Who may ask for what (issue 6 §5): cluster-scoped ApiKeyPolicies say which namespaces may request which
// environments, scopes and lifetimes. Policies only grant; a built-in baseline grants test keys without
// admin, write or key-management (api_keys:*) scopes everywhere: reading or managing keys is granted only
// by an explicit policy. A spec is allowed when the baseline or any policy selecting its
// namespace allows all of it. Pure: the policies, the namespace and the clock come in.
import { parseDuration } from "../domain/durations.ts";
import type { Environment } from "../domain/environments.ts";
import { isKeyManagementScope, isWriteScope, SCOPES, type Scope } from "../domain/scopes.ts";
import type { KeySpec } from "../spec/key-spec.ts";

export interface ApiKeyPolicySpec {
  /** Namespace names; "*" selects every namespace. */
  namespaces?: string[];
  namespaceSelector?: { matchLabels?: Record<string, string> };
  environments: Environment[];
  /** Scopes a key may have; admin:full must be listed to be allowed (it is never implied). */
  scopes: Scope[];
  /** The longest lifetime a key may have; a key that never expires is then refused. */
  maxLifetime?: string;
}

export interface NamedPolicy {
  name: string;
  spec: ApiKeyPolicySpec;
}

export interface PolicyInput {
  namespace: string;
  namespaceLabels: Record<string, string>;
  policies: readonly NamedPolicy[];
}

export const POLICY_RULES = {
  environment: "environment",
  scopes: "scopes",
  lifetime: "maxLifetime",
} as const;
export type PolicyRule = (typeof POLICY_RULES)[keyof typeof POLICY_RULES];

export type PolicyVerdict =
  | { allowed: true; by: string }
  | { allowed: false; rule: PolicyRule; message: string };

export const BASELINE_POLICY: NamedPolicy = {
  name: "the built-in baseline",
  spec: {
    namespaces: ["*"],
    environments: ["test"],
    scopes: SCOPES.filter((s) => !isWriteScope(s) && !isKeyManagementScope(s)),
  },
};

export function selects(
  policy: ApiKeyPolicySpec,
  namespace: string,
  labels: Record<string, string>,
): boolean {
  if (policy.namespaces?.some((n) => n === "*" || n === namespace)) return true;
  const match = policy.namespaceSelector?.matchLabels;
  if (match === undefined) return false;
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

function lifetimeMs(spec: KeySpec, now: number): number {
  if (spec.expiresAfter !== undefined) return parseDuration(spec.expiresAfter);
  if (spec.expiresAt !== undefined) return Date.parse(spec.expiresAt) - now;
  return Number.POSITIVE_INFINITY;
}

type Violation = { rule: PolicyRule; text: string };

function violations(policy: ApiKeyPolicySpec, spec: KeySpec, now: number): Violation[] {
  const found: Violation[] = [];
  if (!policy.environments.includes(spec.environment))
    found.push({
      rule: POLICY_RULES.environment,
      text: `environment ${spec.environment} is not allowed (allowed: ${policy.environments.join(", ") || "none"})`,
    });
  const extra = spec.scopes.filter((s) => !policy.scopes.includes(s));
  if (extra.length > 0)
    found.push({ rule: POLICY_RULES.scopes, text: `scopes ${extra.join(", ")} are not allowed` });
  if (policy.maxLifetime !== undefined) {
    const max = parseDuration(policy.maxLifetime);
    const life = lifetimeMs(spec, now);
    if (life > max)
      found.push({
        rule: POLICY_RULES.lifetime,
        text: Number.isFinite(life)
          ? `the key's lifetime is longer than maxLifetime ${policy.maxLifetime}`
          : `the key never expires but maxLifetime is ${policy.maxLifetime}`,
      });
  }
  return found;
}

/** Whether `spec` may be minted in `input.namespace`; when not, the rule and a message naming it. */
export function evaluatePolicy(spec: KeySpec, input: PolicyInput, now: number): PolicyVerdict {
  const applicable = [
    BASELINE_POLICY,
    ...input.policies.filter((p) => selects(p.spec, input.namespace, input.namespaceLabels)),
  ];
  const refusals: { policy: string; found: Violation[] }[] = [];
  for (const policy of applicable) {
    const found = violations(policy.spec, spec, now);
    if (found.length === 0) return { allowed: true, by: policy.name };
    refusals.push({ policy: policy.name, found });
  }
  // Name the rule of the closest policy: the one with the fewest violations (the last such, so a real policy
  // is preferred over the baseline when they tie).
  const closest = refusals.reduce((a, b) => (b.found.length <= a.found.length ? b : a));
  const first = closest.found[0] ?? { rule: POLICY_RULES.environment, text: "" };
  const detail = refusals
    .map(
      (r) =>
        `${r.policy === BASELINE_POLICY.name ? r.policy : `ApiKeyPolicy ${r.policy}`}: ${r.found.map((v) => v.text).join("; ")}`,
    )
    .join(". ");
  return {
    allowed: false,
    rule: first.rule,
    message: `No ApiKeyPolicy allows this key in namespace ${input.namespace} (rule ${first.rule}). ${detail}. The built-in baseline allows only test keys without admin, write or api_keys:* scopes; ask a cluster admin for an ApiKeyPolicy.`,
  };
}
