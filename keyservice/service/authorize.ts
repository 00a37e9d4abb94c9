// Who may do what: management needs api_keys:read / api_keys:write (admin:full implies both, write implies
// read); no key mints or rolls to scopes it lacks; a test key never sees, mints or manages a live key.
import { type Environment, grants, type Scope, scopesNotHeld } from "../../core/domain/index.ts";
import type { KeyRecord } from "../keys/key-record.ts";
import { getKey } from "../keys/key-repository.ts";
import type { Queryable } from "../store/database.ts";
import { ServiceError } from "./service-error.ts";

export function requireRead(principal: KeyRecord): void {
  if (!grants(principal.scopes, "api_keys:read") && !grants(principal.scopes, "api_keys:write"))
    throw new ServiceError(
      "insufficient_scope",
      "This key needs the api_keys:read scope (or api_keys:write, or admin:full).",
    );
}

export function requireWrite(principal: KeyRecord): void {
  if (!grants(principal.scopes, "api_keys:write"))
    throw new ServiceError("insufficient_scope", "This key needs the api_keys:write scope (or admin:full).");
}

export function canSeeEnvironment(principal: KeyRecord, environment: Environment): boolean {
  return principal.environment === "live" || environment === "test";
}

export function requireEnvironment(principal: KeyRecord, environment: Environment): void {
  if (!canSeeEnvironment(principal, environment))
    throw new ServiceError("environment_mismatch", "A test key cannot see, mint or manage live keys.", {
      param: "environment",
    });
}

export function requireGrantable(principal: KeyRecord, requested: readonly Scope[]): void {
  const missing = scopesNotHeld(principal.scopes, requested);
  if (missing.length > 0)
    throw new ServiceError(
      "scope_escalation",
      `This key cannot grant scopes it does not hold: ${missing.join(", ")}.`,
      {
        param: "scopes",
      },
    );
}

/** The key `id` as the principal may see it: 404 when it does not exist, 403 when it is in a hidden environment. */
export async function visibleKey(
  db: Queryable,
  principal: KeyRecord,
  id: string,
  forUpdate = "",
): Promise<KeyRecord> {
  const key = await getKey(db, id, forUpdate);
  if (!key)
    throw new ServiceError("resource_missing", `No key with id ${JSON.stringify(id.slice(0, 64))}.`, {
      param: "id",
    });
  requireEnvironment(principal, key.environment);
  return key;
}
