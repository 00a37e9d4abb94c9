import { findKeyLiterals, maskKeyLiterals } from "../core/domain/key-format.ts";
import { resolveHygieneConfig } from "../core/hygiene/rules.ts";
import type { ReviewPolicy } from "../core/review/index.ts";
import { type FileDiff, parseUnifiedDiff } from "./diff-lines.ts";
import { reviewFinding } from "./findings.ts";
import type { GitRepo } from "./git.ts";
import type { Finding, Location } from "./report.ts";

/*
 * Full sk_live_/sk_test_ literals anywhere in the diff (key-literal: core's hygiene rule). Only
 * positions leave this module: file, line and column, and the environment of the key.
 */

export type KeyScanInput = {
  git: GitRepo;
  base: string;
  head: string;
  /** The pathspecs to scan; empty for the whole diff. */
  paths: readonly string[];
  policy: ReviewPolicy;
};

const MAX_BINARY_SCAN_BYTES = 32 * 1024 * 1024;

function environmentAt(text: string, index: number): string {
  return text.slice(index + 3, index + 7);
}

function place(file: string, line: number, index: number, length: number, side: "head" | "base"): Location {
  return { file, line, column: index + 1, endLine: line, endColumn: index + 1 + length, side };
}

function addedLiterals(file: FileDiff, severity: "error" | "warning" | "info"): Finding[] {
  const found: Finding[] = [];
  for (const { line, text } of file.added) {
    for (const { index, length } of findKeyLiterals(text)) {
      found.push({
        rule: "key-literal",
        severity,
        message: `A full sk_${environmentAt(text, index)}_ API key is written at ${maskKeyLiterals(file.path)}:${line}:${index + 1}. Treat that key as compromised: revoke it now (it is in this branch's history whether or not this merges), and keep keys only in a Secret or a secret store.`,
        location: place(file.path, line, index, length, "head"),
      });
    }
  }
  return found;
}

function removedLiterals(file: FileDiff, policy: ReviewPolicy): Finding[] {
  const found: Finding[] = [];
  for (const { line, text } of file.removed) {
    for (const { index, length } of findKeyLiterals(text)) {
      const finding = reviewFinding(
        policy,
        "key-literal-removed",
        `A full sk_${environmentAt(text, index)}_ API key is removed from ${maskKeyLiterals(file.path)} (base line ${line}). It stays in the git history: revoke that key, removing it from the file is not enough.`,
        { location: place(file.path, line, index, length, "base") },
      );
      if (finding) found.push(finding);
    }
  }
  return found;
}

async function binaryLiterals(
  input: KeyScanInput,
  files: FileDiff[],
  severity: "error" | "warning" | "info",
): Promise<Finding[]> {
  const binaries = files.filter((f) => f.binary && !f.deleted);
  if (binaries.length === 0) return [];
  const entries = (
    await input.git.listTree(
      input.head,
      binaries.map((f) => f.path),
    )
  ).filter((e) => e.type === "blob" && e.size <= MAX_BINARY_SCAN_BYTES);
  const blobs = await input.git.readBlobs(entries.map((e) => e.oid));
  const found: Finding[] = [];
  for (const entry of entries) {
    const text = blobs.get(entry.oid)?.toString("latin1") ?? "";
    const hits = findKeyLiterals(text);
    if (hits.length === 0) continue;
    found.push({
      rule: "key-literal",
      severity,
      message: `The binary file ${maskKeyLiterals(entry.path)} contains ${hits.length} full API key${hits.length === 1 ? "" : "s"}. Treat them as compromised: revoke them, and keep keys out of the repository.`,
      location: { file: entry.path, line: 1, column: 1, endLine: 1, endColumn: 1, side: "head" },
    });
  }
  return found;
}

function literalsInPaths(files: FileDiff[], severity: "error" | "warning" | "info"): Finding[] {
  return files
    .filter((f) => !f.deleted && findKeyLiterals(f.path).length > 0)
    .map((f) => ({
      rule: "key-literal" as const,
      severity,
      message: `A file name in this change contains a full API key (${maskKeyLiterals(f.path)}). Treat that key as compromised: revoke it, and rename the file.`,
    }));
}

export async function scanDiffForKeys(input: KeyScanInput): Promise<Finding[]> {
  const severity = resolveHygieneConfig(input.policy.hygiene).severity("key-literal");
  const diff = await input.git.unifiedDiff(input.base, input.head, input.paths);
  const files = parseUnifiedDiff(diff.toString("utf8"));
  const removed = files.flatMap((f) => removedLiterals(f, input.policy));
  if (severity === "off") return removed;
  return [
    ...files.flatMap((f) => addedLiterals(f, severity)),
    ...(await binaryLiterals(input, files, severity)),
    ...literalsInPaths(files, severity),
    ...removed,
  ];
}
