/**
 * The seed's nine scopes, then our two for key management, in canonical order.
 * `admin:full` implies every other scope.
 */
export const SCOPES = [
  "agents:read",
  "conversations:read",
  "contacts:read",
  "analytics:read",
  "agents:write",
  "conversations:write",
  "contacts:write",
  "workflows:write",
  "admin:full",
  "api_keys:read",
  "api_keys:write",
] as const;

export type Scope = (typeof SCOPES)[number];

export const ADMIN_SCOPE = "admin:full" satisfies Scope;

const KNOWN: ReadonlySet<string> = new Set(SCOPES);

export function isScope(s: string): s is Scope {
  return KNOWN.has(s);
}

/** Scopes that change data (and admin:full, which includes them). */
export function isWriteScope(s: string): boolean {
  return isScope(s) && (s === ADMIN_SCOPE || s.endsWith(":write"));
}

/** Scopes that manage keys (api_keys:read, api_keys:write): never granted by default anywhere. */
export function isKeyManagementScope(s: string): boolean {
  return s === "api_keys:read" || s === "api_keys:write";
}

/** Deduplicated, in canonical order: a stable form for comparison and display. */
export function normalizeScopes(scopes: readonly Scope[]): Scope[] {
  const present = new Set(scopes);
  return SCOPES.filter((s) => present.has(s));
}

/** What the scopes actually allow: admin:full expands to all scopes. */
export function effectiveScopes(scopes: readonly Scope[]): Set<Scope> {
  return scopes.includes(ADMIN_SCOPE) ? new Set(SCOPES) : new Set(scopes);
}

export function grants(held: readonly Scope[], needed: Scope): boolean {
  // On every authenticated request: no Set.
  return held.includes(needed) || held.includes(ADMIN_SCOPE);
}

/**
 * Requested scopes the holder lacks, after admin:full implication: a key may never
 * mint or roll to these (scope escalation). Canonical order.
 */
export function scopesNotHeld(held: readonly Scope[], requested: readonly Scope[]): Scope[] {
  const effective = effectiveScopes(held);
  return normalizeScopes(requested.filter((s) => !effective.has(s)));
}

/** Scopes listed in `after` but not in `before`, literally (no admin:full expansion). */
export function addedScopes(before: readonly Scope[], after: readonly Scope[]): Scope[] {
  const had = new Set(before);
  return normalizeScopes(after.filter((s) => !had.has(s)));
}

/** Scopes listed in `before` but not in `after`, literally (no admin:full expansion). */
export function removedScopes(before: readonly Scope[], after: readonly Scope[]): Scope[] {
  return addedScopes(after, before);
}

/** Set equality: order and duplicates do not matter. */
export function sameScopes(a: readonly Scope[], b: readonly Scope[]): boolean {
  return addedScopes(a, b).length === 0 && addedScopes(b, a).length === 0;
}
