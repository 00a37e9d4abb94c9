// The registry in each format people and scripts read: an aligned table, CSV, Markdown and JSON.
import { stringify } from "csv-stringify/sync";
import { escapeForDisplay, escapeMarkdownCell } from "./display-text.ts";
import { stackLabel } from "./key-owner.ts";
import { keyDeadline, type RegistryRow } from "./registry.ts";

export const REGISTRY_FORMATS = ["table", "csv", "json", "markdown"] as const;
export type RegistryFormat = (typeof REGISTRY_FORMATS)[number];

/** The JSON document: the keys API's list shape, with the rows of schemas/registry.schema.json. */
export interface RegistryDocument {
  object: "registry";
  generated_at: string;
  /** Whether ApiKeys were read from a cluster (false: `where_used` and `kubernetes.found` are unknown). */
  cluster_joined: boolean;
  data: RegistryRow[];
}

const date = (iso: string | null) => (iso === null ? "-" : iso.slice(0, 10));

export function managedByText(row: RegistryRow): string {
  if (row.kubernetes !== null) {
    const k = row.kubernetes;
    const missing = k.found === false ? " (ApiKey not found)" : "";
    return `controller ${k.cluster ? `${k.cluster}:` : ""}${k.namespace}/${k.name}${missing}`;
  }
  if (row.pulumi !== null) return `pulumi ${stackLabel(row.pulumi.stack)} ${row.pulumi.urn}`;
  return "unmanaged";
}

export function whereUsedText(row: RegistryRow): string {
  const parts = row.where_used.secrets.map(
    (s) => `Secret ${s.namespace}/${s.name}${s.slot === "previous" ? " (previous)" : ""}`,
  );
  if (row.where_used.restart_targets.length > 0)
    parts.push(`restarts ${row.where_used.restart_targets.map((t) => `${t.kind}/${t.name}`).join(", ")}`);
  return parts.join("; ");
}

const HEADERS = [
  "NAME",
  "KEY",
  "ENV",
  "SCOPES",
  "CREATED",
  "EXPIRES",
  "LAST ROTATED",
  "LAST USED",
  "REVOKED USE",
  "OWNER",
  "PURPOSE",
  "MANAGED BY",
  "WHERE USED",
] as const;

/** `-` none; `!` and the count when a stopped key is still presented (something holds the old key); `?` unknown. */
export function revokedUseText(row: RegistryRow): string {
  if (row.revoked_attempts === null) return "?";
  if (row.revoked_attempts === 0) return "-";
  const last = row.last_revoked_attempt_at === null ? "" : ` (last ${date(row.last_revoked_attempt_at)})`;
  return `! ${row.revoked_attempts}${last}`;
}

/** The cells people read, raw (each format escapes them). Expires shows when the key stops working. */
function humanCells(row: RegistryRow): string[] {
  const stops = keyDeadline(row);
  return [
    row.name,
    row.redacted,
    row.environment,
    row.scopes.join(","),
    date(row.created_at),
    stops !== null && stops === row.expiring_at ? `${date(stops)} (ending)` : date(stops),
    date(row.last_rotated_at),
    row.last_used_at === null ? "never" : date(row.last_used_at),
    revokedUseText(row),
    row.owner ?? "-",
    row.purpose ?? "-",
    managedByText(row),
    whereUsedText(row) || "-",
  ];
}

export function registryTable(rows: readonly RegistryRow[]): string {
  const lines = [[...HEADERS], ...rows.map((row) => humanCells(row).map(escapeForDisplay))];
  const widths = HEADERS.map((_, i) => Math.max(...lines.map((cells) => [...(cells[i] ?? "")].length)));
  return `${lines
    .map((cells) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - [...c].length)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

export function registryMarkdown(rows: readonly RegistryRow[]): string {
  const md = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const body = rows.map((row) => md(humanCells(row).map(escapeMarkdownCell)));
  return `${[md(HEADERS.map((h) => h[0] + h.slice(1).toLowerCase())), md(HEADERS.map(() => "---")), ...body].join("\n")}\n`;
}

export const CSV_COLUMNS = [
  "id",
  "name",
  "redacted",
  "environment",
  "scopes",
  "status",
  "created_at",
  "expires_at",
  "expiring_at",
  "last_rotated_at",
  "last_used_at",
  "owner",
  "purpose",
  "managed_by",
  "kubernetes",
  "pulumi_stack",
  "pulumi_urn",
  "where_used",
  "revoked_attempts",
  "last_revoked_attempt_at",
] as const;

/**
 * A spreadsheet runs a cell that begins with = + - or @ as a formula (OWASP "CSV injection"); names, owners and
 * purposes come from users. Such a cell gets a leading apostrophe, which spreadsheets show as text and hide.
 * A cell that already begins with an apostrophe gets one more, so reading back is exact: drop one leading `'`.
 * (Tab and carriage return never lead a cell: escapeForDisplay writes them as \u0009 and \u000d.)
 */
export function neutralizeFormula(cell: string): string {
  return /^[=+\-@']/.test(cell) ? `'${cell}` : cell;
}

/**
 * RFC 4180 CSV with a header; timestamps in full, lists space-separated, empty for none; cells escaped for
 * display and kept from running as spreadsheet formulas (neutralizeFormula).
 */
export function registryCsv(rows: readonly RegistryRow[]): string {
  const records = rows.map((row) => [
    row.id,
    row.name,
    row.redacted,
    row.environment,
    row.scopes.join(" "),
    row.status,
    row.created_at,
    row.expires_at ?? "",
    row.expiring_at ?? "",
    row.last_rotated_at ?? "",
    row.last_used_at ?? "",
    row.owner ?? "",
    row.purpose ?? "",
    row.managed_by,
    row.kubernetes ? `${row.kubernetes.namespace}/${row.kubernetes.name}` : "",
    row.pulumi?.stack ?? "",
    row.pulumi?.urn ?? "",
    whereUsedText(row),
    row.revoked_attempts === null ? "" : String(row.revoked_attempts),
    row.last_revoked_attempt_at ?? "",
  ]);
  return stringify(
    records.map((r) => r.map((cell) => neutralizeFormula(escapeForDisplay(cell)))),
    { header: true, columns: [...CSV_COLUMNS], record_delimiter: "unix" },
  );
}

export function registryJson(document: RegistryDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function renderRegistry(format: RegistryFormat, document: RegistryDocument): string {
  switch (format) {
    case "table":
      return registryTable(document.data);
    case "markdown":
      return registryMarkdown(document.data);
    case "csv":
      return registryCsv(document.data);
    case "json":
      return registryJson(document);
  }
}
