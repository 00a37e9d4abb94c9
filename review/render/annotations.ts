import { maskKeyLiterals } from "../../core/domain/key-format.ts";
import type { Severity } from "../../core/hygiene/rules.ts";
import type { Finding, ReviewReport } from "../report.ts";

/*
 * GitHub Actions workflow commands (`::error file=…,line=…::message`): annotations straight from the
 * log, the output of `--output annotations` and the fallback when the token cannot write.
 */

const COMMAND: Record<Severity, string> = { error: "error", warning: "warning", info: "notice" };

function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export function findingTitle(finding: Finding): string {
  return `ayra-keys: ${finding.rule}${finding.key ? ` (${finding.key})` : ""}`;
}

export function annotationCommand(finding: Finding): string {
  const properties: string[] = [];
  const at = finding.location;
  // A deleted file's line has no place in the head: the message carries it instead.
  if (at !== undefined && at.side === "head") {
    properties.push(
      `file=${escapeProperty(maskKeyLiterals(at.file))}`,
      `line=${at.line}`,
      `endLine=${at.endLine}`,
    );
    if (at.line === at.endLine) properties.push(`col=${at.column}`, `endColumn=${at.endColumn}`);
  }
  properties.push(`title=${escapeProperty(maskKeyLiterals(findingTitle(finding)))}`);
  const where = at !== undefined && at.side === "base" ? ` (${at.file}:${at.line} in the base)` : "";
  return `::${COMMAND[finding.severity]} ${properties.join(",")}::${escapeData(maskKeyLiterals(finding.message + where))}`;
}

export function renderAnnotations(report: ReviewReport): string {
  const lines = report.findings.map(annotationCommand);
  const verdict = report.failed ? "error" : report.counts.warning > 0 ? "warning" : "notice";
  lines.push(
    `::${verdict} title=${escapeProperty("ayra-keys review")}::${escapeData(
      maskKeyLiterals(
        `${report.root}: ${report.plan.length} key${report.plan.length === 1 ? "" : "s"} change, ${report.counts.error} errors, ${report.counts.warning} warnings${report.failed ? ` (fails on ${report.policy.failOn})` : ""}`,
      ),
    )}`,
  );
  return `${lines.join("\n")}\n`;
}
