// Search, filters and sorting over the loaded keys, on the client: the list API pages 100 at a time and has
// no text search, so the page loads every page once and answers each keystroke from memory.
import { type ManagerKind, managerOf } from "./key-view.ts";
import type { ApiKey, Environment, KeyStatus } from "./types.ts";

export interface KeyFilter {
  text: string;
  environment: Environment | "";
  status: KeyStatus | "";
  manager: ManagerKind | "";
  scope: string;
}

export const NO_FILTER: KeyFilter = { text: "", environment: "", status: "", manager: "", scope: "" };

export type SortField = "name" | "created_at" | "expires_at" | "last_used_at" | "status";
export interface KeySort {
  field: SortField;
  descending: boolean;
}

/** A key with the values filters and sorting read, computed once per load rather than per keystroke. */
export interface IndexedKey {
  key: ApiKey;
  haystack: string;
  manager: ManagerKind;
}

export function indexKeys(keys: readonly ApiKey[]): IndexedKey[] {
  return keys.map((key) => ({
    key,
    manager: managerOf(key).kind,
    haystack: [key.name, key.id, key.redacted, ...key.scopes, ...Object.values(key.metadata)]
      .join("\n")
      .toLowerCase(),
  }));
}

export function filterKeys(keys: readonly IndexedKey[], filter: KeyFilter): IndexedKey[] {
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
  return keys.filter(
    (k) =>
      (filter.environment === "" || k.key.environment === filter.environment) &&
      (filter.status === "" || k.key.status === filter.status) &&
      (filter.manager === "" || k.manager === filter.manager) &&
      (filter.scope === "" || k.key.scopes.includes(filter.scope)) &&
      words.every((w) => k.haystack.includes(w)),
  );
}

const STATUS_ORDER: Record<KeyStatus, number> = { expiring: 0, active: 1, expired: 2, revoked: 3 };

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

export function sortKeys(keys: IndexedKey[], sort: KeySort): IndexedKey[] {
  const direction = sort.descending ? -1 : 1;
  const compare = (a: ApiKey, b: ApiKey): number => {
    switch (sort.field) {
      case "name":
        return a.name.localeCompare(b.name);
      case "status":
        return STATUS_ORDER[a.status] - STATUS_ORDER[b.status];
      default:
        return compareNullable(a[sort.field], b[sort.field]);
    }
  };
  return [...keys].sort((a, b) => direction * compare(a.key, b.key) || a.key.id.localeCompare(b.key.id));
}
