// ayra-keys/pulumi/policy: the key hygiene rules as Pulumi policies, and the ready-made pack.
import { PolicyPack } from "@pulumi/policy";
import { type ApiKeyPoliciesOptions, apiKeyPolicies } from "./policies.ts";

export { type ApiKeyPoliciesOptions, apiKeyPolicies, ENFORCEMENT_FOR_SEVERITY } from "./policies.ts";

export const POLICY_PACK_NAME = "ayra-keys";

/**
 * Serves the pack to the engine: call it from a policy pack's entry point (the engine runs the pack's folder,
 * or `provider/policy/pack/run-policy-pack`, as an analyzer). Reads the version from ./package.json.
 */
export function servePolicyPack(options: ApiKeyPoliciesOptions & { name?: string } = {}): PolicyPack {
  return new PolicyPack(options.name ?? POLICY_PACK_NAME, {
    description: "Ayra API key hygiene: expiry, admin scope, grace, names, read-only scopes, pasted keys.",
    policies: apiKeyPolicies(options),
  });
}
