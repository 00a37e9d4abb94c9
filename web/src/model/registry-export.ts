// The registry the seed asks teams to keep (name, truncated key, dates, purpose, owner, scopes), as a CSV or
// JSON download built in the page from the keys already loaded: no request carries it anywhere.
import { deadlineOf, MANAGER_LABEL, managerOf, ownerOf, purposeOf } from "./key-view.ts";
import type { ApiKey } from "./types.ts";

export const EXPORT_COLUMNS = [
  "name",
  "redacted",
  "id",
  "environment",
  "status",
  "revocation_reason",
  "scopes",
  "created_at",
  "expires_at",
  "deadline",
  "last_used_at",
  "rolled_from",
  "replaced_by",
  "managed_by",
  "declared_in",
  "owner",
  "purpose",
] as const;

export type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], string>;

export function exportRow(key: ApiKey): ExportRow {
  const manager = managerOf(key);
  return {
    name: key.name,
    redacted: key.redacted,
    id: key.id,
    environment: key.environment,
    status: key.status,
    revocation_reason: key.revocation_reason ?? "",
    scopes: key.scopes.join(" "),
    created_at: key.created_at,
    expires_at: key.expires_at ?? "",
    deadline: deadlineOf(key) ?? "",
    last_used_at: key.last_used_at ?? "",
    rolled_from: key.rolled_from ?? "",
    replaced_by: key.replaced_by ?? "",
    managed_by: MANAGER_LABEL[manager.kind].toLowerCase(),
    declared_in: manager.where ?? "",
    owner: ownerOf(key),
    purpose: purposeOf(key),
  };
}

/**
 * One CSV cell. A cell a spreadsheet would run as a formula (leading =, +, -, @, tab or carriage return) is
 * prefixed with an apostrophe: names and metadata are typed by anyone holding a write key.
 */
function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function registryCsv(keys: readonly ApiKey[]): string {
  const lines = [EXPORT_COLUMNS.join(",")];
  for (const key of keys) {
    const row = exportRow(key);
    lines.push(EXPORT_COLUMNS.map((c) => cell(row[c])).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

export function registryJson(keys: readonly ApiKey[], generatedAt: string): string {
  return `${JSON.stringify({ object: "registry", generated_at: generatedAt, data: keys.map(exportRow) }, null, 2)}\n`;
}
