import { maskKeyLiterals } from "../../core/domain/key-format.ts";
import type { Severity } from "../../core/hygiene/rules.ts";
import { PLAN_ACTION_LABELS, ruleSummary } from "../../core/review/index.ts";
import type { Finding, Location, PlanRow, ReviewReport, RowAction } from "../report.ts";
import { cell, code } from "./safe.ts";

/*
 * The review as Markdown, for a pull-request comment, a check run's summary and a terminal: the
 * verdict and risks first, then the plan table, the details collapsed, the commits last. It fits
 * `maxLength` by showing fewer rows, each cut said out loud.
 */

export type MarkdownOptions = {
  /** The longest the text may be (GitHub's comment limit is 65,536 characters). */
  maxLength?: number;
  /** A hidden line put first, e.g. the sticky comment's marker. */
  marker?: string;
  /** Where the full result is, for "and N more" lines. */
  fullResultHint?: string;
};

export const GITHUB_COMMENT_LIMIT = 65_536;
const DEFAULT_MAX = 60_000;

const ICON: Record<Severity, string> = { error: "❌", warning: "⚠️", info: "ℹ️" };
const ROW_ICON: Record<RowAction, string> = {
  create: "🆕",
  "environment-change": "⛔",
  replace: "♻️",
  "new-key": "🔁",
  "schedule-change": "🗓️",
  "update-in-place": "✏️",
  "delivery-change": "📦",
  revoke: "🗑️",
  retain: "🔓",
  "no-change": "·",
  invalid: "⛔",
  unknown: "❔",
};
const ROW_LABEL: Record<RowAction, string> = {
  ...PLAN_ACTION_LABELS,
  invalid: "invalid: not applied",
  unknown: "unknown until apply",
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function where(location: Location | undefined): string {
  if (location === undefined) return "";
  const side = location.side === "base" ? " (base)" : "";
  return `${location.file}:${location.line}:${location.column}${side}`;
}

function verdictLine(report: ReviewReport): string {
  const { error, warning, info } = report.counts;
  const icon = report.failed ? "❌" : error + warning > 0 ? "⚠️" : "✅";
  const state = report.failed ? "fails" : "passes";
  const counts = [plural(error, "error"), plural(warning, "warning"), plural(info, "note")].join(", ");
  return `### ${icon} ayra-keys review ${state}: ${counts} — ${code(report.root)}`;
}

function place(f: Finding): string {
  return [f.key ? code(f.key) : "", f.location ? code(where(f.location)) : ""].filter(Boolean).join(" ");
}

function riskLine(f: Finding): string {
  return `- ${ICON[f.severity]} **${f.rule}** ${place(f)}: ${cell(f.message)}`;
}

const GROUP_FROM = 4;
const NAMED_IN_GROUP = 8;

/** Risks of one rule said once when there are many: the first in full, the rest by key. */
function riskLines(risks: readonly Finding[]): { lines: string[]; count: number }[] {
  const groups = new Map<string, Finding[]>();
  for (const f of risks) {
    const id = `${f.severity}|${f.rule}`;
    const group = groups.get(id);
    if (group) group.push(f);
    else groups.set(id, [f]);
  }
  return [...groups.values()].flatMap((group) => {
    const [first] = group;
    if (first === undefined) return [];
    if (group.length < GROUP_FROM) return group.map((f) => ({ lines: [riskLine(f)], count: 1 }));
    const others = group.slice(1);
    const named = others
      .slice(0, NAMED_IN_GROUP)
      .map((f) => (f.key ? code(f.key) : f.location ? code(where(f.location)) : "…"));
    const rest = others.length - named.length;
    return [
      {
        lines: [
          `- ${ICON[first.severity]} **${first.rule}** ×${group.length}: ${place(first)}: ${cell(first.message)}`,
          `  - also ${named.join(", ")}${rest > 0 ? ` and ${rest} more` : ""}`,
        ],
        count: group.length,
      },
    ];
  });
}

function planLine(row: PlanRow): string {
  return `| ${code(row.key)} | ${row.environment ?? "?"} | ${ROW_ICON[row.action]} ${ROW_LABEL[row.action]} | ${cell(row.summary)} |`;
}

function byKey(findings: readonly Finding[]): Map<string, Finding[]> {
  const map = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.key === undefined) continue;
    const list = map.get(f.key);
    if (list) list.push(f);
    else map.set(f.key, [f]);
  }
  return map;
}

function detailBlock(row: PlanRow, own: readonly Finding[]): string {
  const lines = [`- ${code(row.key)}${row.location ? ` — ${code(where(row.location))}` : ""}`];
  for (const d of row.details) lines.push(`  - ${cell(d)}`);
  for (const f of own)
    lines.push(
      `  - ${ICON[f.severity]} ${f.rule}${f.specPath ? ` at ${code(f.specPath)}` : ""}${f.location ? ` (${code(where(f.location))})` : ""}`,
    );
  return lines.join("\n");
}

function more(hidden: number, noun: string, hint: string): string[] {
  return hidden > 0 ? [`_… and ${plural(hidden, noun)} more: ${hint}._`] : [];
}

function build(report: ReviewReport, limit: number, options: MarkdownOptions): string {
  const hint = options.fullResultHint ?? "run `ayra-keys review --output json` for the full result";
  const risks = report.findings.filter((f) => f.severity !== "info");
  const notes = report.findings.filter((f) => f.severity === "info");
  const out: string[] = [];
  if (options.marker) out.push(options.marker);
  out.push(verdictLine(report), "");
  if (risks.length > 0) {
    const groups = riskLines(risks);
    const shownGroups = groups.slice(0, limit);
    const hidden = risks.length - shownGroups.reduce((n, g) => n + g.count, 0);
    out.push("**Risks**", "", ...shownGroups.flatMap((g) => g.lines), ...more(hidden, "risk", hint), "");
  } else {
    out.push("No risks found.", "");
  }
  const changing = report.plan.length;
  out.push(
    `**Plan** — ${plural(changing, "key")} change${changing === 1 ? "s" : ""}, ${report.unchanged} unchanged`,
    "",
  );
  if (changing > 0) {
    out.push("| key | env | action | what happens |", "|---|---|---|---|");
    out.push(...report.plan.slice(0, limit).map(planLine));
    out.push(...more(changing - limit, "key", hint));
    out.push("");
  }
  const keyed = byKey(report.findings);
  const planned = new Set(report.plan.map((row) => row.key));
  const detailed = report.plan.filter((row) => row.details.length > 0 || keyed.has(row.key));
  const loose = report.findings.filter((f) => f.key === undefined || !planned.has(f.key));
  if (detailed.length + notes.length + loose.length > 0) {
    out.push(
      `<details><summary>Details: ${plural(report.findings.length, "finding")}, ${plural(changing, "changed key")}</summary>`,
      "",
    );
    out.push(...detailed.slice(0, limit).map((row) => detailBlock(row, keyed.get(row.key) ?? [])));
    out.push(...more(detailed.length - limit, "key", hint));
    if (loose.length > 0) {
      out.push("", "Not tied to a changed key:", "");
      out.push(...loose.slice(0, limit).map(riskLine), ...more(loose.length - limit, "finding", hint));
    }
    const rules = [...new Set(report.findings.map((f) => f.rule))].sort();
    if (rules.length > 0)
      out.push("", `Rules: ${rules.map((r) => `${code(r)} — ${ruleSummary(r)}`).join("; ")}.`);
    out.push("", "</details>", "");
  }
  const commits = [
    report.head ? `head ${code(report.head.sha.slice(0, 12))}` : "",
    report.base
      ? `base ${code(report.base.sha.slice(0, 12))} (merge base with ${code(report.base.ref)})`
      : "",
  ].filter(Boolean);
  out.push(
    `<sub>Reviewed ${commits.join(" against ") || "a Pulumi preview"} · policy ${code(report.policy.source)} · fails on ${report.policy.failOn} · no key value is ever shown</sub>`,
  );
  return maskKeyLiterals(`${out.join("\n")}\n`);
}

export function renderMarkdown(report: ReviewReport, options: MarkdownOptions = {}): string {
  const max = options.maxLength ?? DEFAULT_MAX;
  const total = Math.max(report.findings.length, report.plan.length);
  const full = build(report, total, options);
  if (full.length <= max) return full;
  // The largest row limit that fits: lengths grow with the limit, so a binary search finds it.
  let [low, high] = [0, total];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (build(report, mid, options).length <= max) low = mid;
    else high = mid - 1;
  }
  const text = build(report, low, options);
  return text.length <= max ? text : `${text.slice(0, max - 2)}…\n`;
}
