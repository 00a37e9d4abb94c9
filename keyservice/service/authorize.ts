// Who may do what: management needs api_keys:read / api_keys:write (admin:full implies both, write implies
// read); no key mints or rolls to scopes it lacks, nor rolls, revokes or edits a key holding scopes it lacks
// (it manages only what it could have minted); a test key never sees, mints or manages a live key — a live
// key is, to a test key, a key that does not exist.
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

/** Roll, revoke and edit: the caller must hold every scope of the key it changes, as if minting it. */
export function requireManageable(principal: KeyRecord, target: KeyRecord): void {
  requireEnvironment(principal, target.environment);
  const missing = scopesNotHeld(principal.scopes, target.scopes);
  if (missing.length > 0)
    throw new ServiceError(
      "key_not_manageable",
      `This key cannot change key ${target.id}: that key holds scopes this one lacks (${missing.join(", ")}). A key rolls, revokes and edits only keys it could have minted.`,
      { param: "id" },
    );
}

/**
 * The key `id` as the principal may see it. A key in an environment the principal cannot see gets the very
 * answer an unknown id gets: a test key learns nothing about live keys, not even that one exists.
 */
export async function visibleKey(
  db: Queryable,
  principal: KeyRecord,
  id: string,
  forUpdate = "",
): Promise<KeyRecord> {
  const key = await getKey(db, id, forUpdate);
  if (!key || !canSeeEnvironment(principal, key.environment))
    throw new ServiceError("resource_missing", `No key with id ${JSON.stringify(id.slice(0, 64))}.`, {
      param: "id",
    });
  return key;
}
