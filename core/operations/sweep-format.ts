// The sweep's result for people (a table of strays and unknowns, then counts) and for scripts (one JSON document).
import { escapeForDisplay } from "./display-text.ts";
import type { SweepFinding, SweepSummary } from "./sweep.ts";

export interface RevocationOutcome {
  id: string;
  outcome: "revoked" | "already_gone" | "failed";
  error?: string;
}

/** `ayra-keys sweep --output json`. */
export interface SweepDocument {
  object: "sweep";
  generated_at: string;
  dry_run: boolean;
  min_age_seconds: number;
  cluster: { id: string | null; read: boolean; note: string | null };
  pulumi: { backend: string | null; read: boolean; note: string | null };
  summary: SweepSummary;
  /** Strays and unknowns only: kept and not-judged keys are counted in `summary`. */
  data: SweepFinding[];
  revocations: RevocationOutcome[];
  request_ids: { operation: string; status: number | null; request_id: string | null }[];
  exit_code: number;
}

const HEADERS = ["VERDICT", "ID", "NAME", "KEY", "MANAGED BY", "WHY"] as const;

export function sweepTable(findings: readonly SweepFinding[]): string {
  const rows = findings.map((f) =>
    [f.verdict.toUpperCase(), f.id, f.name, f.redacted, f.owner, f.why].map(escapeForDisplay),
  );
  if (rows.length === 0) return "";
  const lines = [[...HEADERS], ...rows];
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

export function summaryLine(summary: SweepSummary): string {
  return `${summary.stray} stray, ${summary.unknown} unknown, ${summary.kept} kept, ${summary.not_judged} not judged (unmanaged or another cluster's).`;
}
