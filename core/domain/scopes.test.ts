import { describe, expect, it } from "vitest";
import {
  addedScopes,
  effectiveScopes,
  grants,
  isScope,
  isWriteScope,
  normalizeScopes,
  removedScopes,
  SCOPES,
  type Scope,
  sameScopes,
  scopesNotHeld,
} from "./scopes.ts";

describe("scopes", () => {
  it("lists the seed's nine and the two key-management scopes in canonical order", () => {
    expect(SCOPES).toHaveLength(11);
    expect(SCOPES.slice(-2)).toEqual(["api_keys:read", "api_keys:write"]);
  });

  it.each([
    { name: "a seed scope is a scope", s: "contacts:read", scope: true, write: false },
    { name: "a write scope is a write scope", s: "workflows:write", scope: true, write: true },
    { name: "admin:full counts as a write scope", s: "admin:full", scope: true, write: true },
    { name: "api_keys:write is a write scope", s: "api_keys:write", scope: true, write: true },
    { name: "an unknown :write is neither", s: "billing:write", scope: false, write: false },
    { name: "a differently cased scope is not a scope", s: "Agents:Read", scope: false, write: false },
  ])("$name", ({ s, scope, write }) => {
    expect(isScope(s)).toBe(scope);
    expect(isWriteScope(s)).toBe(write);
  });

  it("normalizes to canonical order without duplicates", () => {
    expect(normalizeScopes(["contacts:write", "agents:read", "contacts:write"])).toEqual([
      "agents:read",
      "contacts:write",
    ]);
  });

  it("expands admin:full to every scope", () => {
    expect([...effectiveScopes(["admin:full"])].sort()).toEqual([...SCOPES].sort());
    expect(effectiveScopes(["agents:read"])).toEqual(new Set(["agents:read"]));
  });

  it.each<{ name: string; held: Scope[]; needed: Scope; granted: boolean }>([
    { name: "a held scope is granted", held: ["agents:read"], needed: "agents:read", granted: true },
    {
      name: "admin:full grants key management",
      held: ["admin:full"],
      needed: "api_keys:write",
      granted: true,
    },
    { name: "write does not imply read", held: ["agents:write"], needed: "agents:read", granted: false },
    {
      name: "api_keys:write does not grant admin",
      held: ["api_keys:write"],
      needed: "admin:full",
      granted: false,
    },
  ])("$name", ({ held, needed, granted }) => {
    expect(grants(held, needed)).toBe(granted);
  });

  it.each<{ name: string; held: Scope[]; requested: Scope[]; missing: Scope[] }>([
    {
      name: "a key cannot mint scopes it lacks",
      held: ["api_keys:write", "agents:read"],
      requested: ["contacts:write", "agents:read", "admin:full"],
      missing: ["contacts:write", "admin:full"],
    },
    {
      name: "an admin key can mint anything",
      held: ["admin:full"],
      requested: [...SCOPES],
      missing: [],
    },
    {
      name: "holding every other scope still does not grant admin:full",
      held: SCOPES.filter((s) => s !== "admin:full"),
      requested: ["admin:full"],
      missing: ["admin:full"],
    },
  ])("escalation: $name", ({ held, requested, missing }) => {
    expect(scopesNotHeld(held, requested)).toEqual(missing);
  });

  it("reports added and removed scopes literally and compares as sets", () => {
    const before: Scope[] = ["agents:read", "contacts:read"];
    const after: Scope[] = ["contacts:write", "contacts:read"];
    expect(addedScopes(before, after)).toEqual(["contacts:write"]);
    expect(removedScopes(before, after)).toEqual(["agents:read"]);
    expect(
      sameScopes(["contacts:read", "agents:read"], ["agents:read", "contacts:read", "agents:read"]),
    ).toBe(true);
    expect(sameScopes(before, after)).toBe(false);
  });
});
