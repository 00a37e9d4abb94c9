import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { DEFAULT_REVIEW_POLICY, parseReviewPolicy, type ReviewPolicy } from "../core/review/index.ts";
import { reviewFinding } from "./findings.ts";
import type { GitRepo } from "./git.ts";
import { decodeManifest } from "./manifest-file.ts";
import type { Finding, Location } from "./report.ts";
import { findNode, locationOf } from "./yaml-locate.ts";

/*
 * The repository's review policy, `.ayra-keys.yaml` at the top level. It is read from the BASE ref:
 * a pull request cannot relax the rules it is reviewed under; a change to the file is reported and
 * applies from the next pull request on.
 */

export const POLICY_FILE_NAMES = [".ayra-keys.yaml", ".ayra-keys.yml"] as const;

export type LoadedPolicy = { policy: ReviewPolicy; source: string; findings: Finding[] };

function start(file: string, side: "head" | "base"): Location {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1, side };
}

/** A policy from YAML text; each problem is an invalid-policy finding at its line. */
export function parsePolicyText(file: string, text: string, side: "head" | "base"): LoadedPolicy {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const fail = (message: string, location: Location): LoadedPolicy => ({
    policy: { ...DEFAULT_REVIEW_POLICY },
    source: file,
    findings: [reviewFinding(DEFAULT_REVIEW_POLICY, "invalid-policy", message, { location }) as Finding],
  });
  const [error] = doc.errors;
  if (error !== undefined) {
    const { line, col } = counter.linePos(error.pos[0]);
    return fail(`${file} is not valid YAML: ${error.message} (${error.code}); the default policy applies.`, {
      file,
      line,
      column: col,
      endLine: line,
      endColumn: col + 1,
      side,
    });
  }
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 100 });
  } catch {
    return fail(`${file} expands too many aliases; the default policy applies.`, start(file, side));
  }
  const result = parseReviewPolicy(input);
  if (result.ok) return { policy: result.policy, source: file, findings: [] };
  const findings = result.errors.map((e) => {
    const target = doc.contents ? findNode(doc.contents, e.path === "" ? [] : e.path.split(".")) : undefined;
    const location = target ? locationOf(target, file, counter, side) : start(file, side);
    return reviewFinding(DEFAULT_REVIEW_POLICY, "invalid-policy", `${file}: ${e.message}`, {
      location,
    }) as Finding;
  });
  // The valid parts still count: parse again without the broken settings.
  const record = (
    typeof input === "object" && input !== null ? { ...(input as Record<string, unknown>) } : {}
  ) as Record<string, unknown>;
  for (const e of result.errors) {
    const [top, rule] = e.path.split(".");
    if (top === "rules" && rule !== undefined && typeof record.rules === "object" && record.rules !== null) {
      const rules = { ...(record.rules as Record<string, unknown>) };
      delete rules[rule];
      record.rules = rules;
    } else if (top !== undefined) delete record[top];
  }
  const rest = parseReviewPolicy(record);
  return { policy: rest.ok ? rest.policy : { ...DEFAULT_REVIEW_POLICY }, source: file, findings };
}

function decodeText(file: string, bytes: Buffer, side: "head" | "base"): LoadedPolicy | string {
  const decoded = decodeManifest(bytes);
  if ("problem" in decoded) {
    const finding = reviewFinding(DEFAULT_REVIEW_POLICY, "invalid-policy", `${file} ${decoded.problem}`, {
      location: start(file, side),
    }) as Finding;
    return { policy: { ...DEFAULT_REVIEW_POLICY }, source: file, findings: [finding] };
  }
  return decoded.text;
}

export type PolicySource = {
  /** An explicit policy file in the working tree (--policy), used instead of the base's. */
  file?: string;
  git?: GitRepo;
  /** The base and head commits: the policy comes from the base, a change in the head is reported. */
  base?: string;
  head?: string;
};

export async function loadPolicy(source: PolicySource): Promise<LoadedPolicy> {
  if (source.file !== undefined) {
    const bytes = await readFile(source.file);
    const text = decodeText(source.file, bytes, "head");
    return typeof text === "string" ? parsePolicyText(source.file, text, "head") : text;
  }
  const { git, base, head } = source;
  if (git === undefined || base === undefined)
    return { policy: { ...DEFAULT_REVIEW_POLICY }, source: "defaults", findings: [] };
  for (const name of POLICY_FILE_NAMES) {
    const [atBase, atHead] = await Promise.all([
      git.readFile(base, name),
      head ? git.readFile(head, name) : undefined,
    ]);
    if (atBase === undefined && atHead === undefined) continue;
    const loaded: LoadedPolicy =
      atBase === undefined
        ? { policy: { ...DEFAULT_REVIEW_POLICY }, source: "defaults", findings: [] }
        : (() => {
            const text = decodeText(name, atBase, "base");
            return typeof text === "string" ? parsePolicyText(name, text, "base") : text;
          })();
    if (head !== undefined && (atHead === undefined || atBase === undefined || !atHead.equals(atBase))) {
      const finding = reviewFinding(
        loaded.policy,
        "policy-changed",
        atHead === undefined
          ? `This change deletes ${name}; this review still applies the base version, the defaults apply after merge.`
          : `This change edits ${name}; this review applies the base version, the new one applies after merge.`,
        { location: start(name, atHead === undefined ? "base" : "head") },
      );
      if (finding) loaded.findings.push(finding);
    }
    return loaded;
  }
  return { policy: { ...DEFAULT_REVIEW_POLICY }, source: "defaults", findings: [] };
}
