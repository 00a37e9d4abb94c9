// What the signed-in key may do, read from its scopes exactly as the keys API decides it: the page hides
// what the API would refuse, and the API still refuses it.
import type { ApiKey, Environment, Principal } from "./types.ts";

export function holds(principal: Principal, scope: string): boolean {
  if (principal.scopes.includes("admin:full")) return true;
  if (scope === "api_keys:read" && principal.scopes.includes("api_keys:write")) return true;
  return principal.scopes.includes(scope);
}

/** May create, edit, regenerate and revoke keys at all. */
export function canWrite(principal: Principal): boolean {
  return holds(principal, "api_keys:write");
}

/** May act on this key: it holds every scope of the key, and a test key acts on test keys only. */
export function canManage(principal: Principal, key: ApiKey): boolean {
  if (!canWrite(principal)) return false;
  if (principal.environment === "test" && key.environment !== "test") return false;
  return key.scopes.every((scope) => holds(principal, scope));
}

export function environmentsFor(principal: Principal): Environment[] {
  return principal.environment === "test" ? ["test"] : ["live", "test"];
}
