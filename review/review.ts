import { readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { maskKeyLiterals } from "../core/domain/key-format.ts";
import type { Severity } from "../core/hygiene/rules.ts";
import { bySeverity, type FailOn, failsAt } from "../core/review/index.ts";
import { GitRepo } from "./git.ts";
import type { ToolPaths } from "./gitops/render-tools.ts";
import { scanDiffForKeys } from "./key-literal-scan.ts";
import { reviewManifests } from "./manifest-review.ts";
import { loadPolicy } from "./policy-file.ts";
import { reviewPulumiEvents } from "./pulumi-events.ts";
import type { Finding, PlanRow, ReviewReport } from "./report.ts";

/*
 * One review: gather (git trees, the policy, event logs), decide (core), and return the report the
 * renderers and the GitHub reporter share. No output here.
 */

export type ReviewOptions = {
  /** Where to find the repository and relative paths (the CLI's working directory). */
  cwd: string;
  base?: string;
  head?: string;
  /** Manifest paths to review, relative to cwd; empty reviews the whole tree. */
  paths?: readonly string[];
  /** Pulumi engine event logs of previews. */
  pulumiEvents?: readonly string[];
  /** An explicit policy file (instead of the base ref's .ayra-keys.yaml). */
  policyFile?: string;
  /** Overrides the policy's failOn. */
  failOn?: FailOn;
  /** Overrides the derived root name. */
  root?: string;
  now?: Date;
  /** kubectl and helm for rendering kustomizations and charts (default: AYRA_KEYS_KUBECTL, PATH). */
  tools?: ToolPaths;
  /** Where tools are looked up (PATH, AYRA_KEYS_KUBECTL); default: this process's environment. */
  env?: Record<string, string | undefined>;
};

export class ReviewInputError extends Error {
  override readonly name = "ReviewInputError";
}

function repoPaths(root: string, cwd: string, paths: readonly string[]): string[] {
  return paths.map((p) => {
    const absolute = resolve(cwd, p);
    const inside = relative(root, absolute);
    if (inside.startsWith("..") || isAbsolute(inside))
      throw new ReviewInputError(`${p} is outside the repository at ${root}.`);
    return inside === "" ? "." : inside.split(sep).join("/");
  });
}

const SEVERITY_ORDER = (a: Finding, b: Finding) =>
  bySeverity(a.severity, b.severity) ||
  (a.location?.file ?? "").localeCompare(b.location?.file ?? "") ||
  (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
  (a.location?.column ?? 0) - (b.location?.column ?? 0);

// The same pasted key reported by the diff scan and by the hygiene rule on a spec field: say it once.
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (f.location === undefined) return true;
    const id = `${f.rule}|${f.location.side}|${f.location.file}|${f.location.line}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export async function runReview(options: ReviewOptions): Promise<ReviewReport> {
  const now = options.now ?? new Date();
  const events = options.pulumiEvents ?? [];
  const hasRefs = options.base !== undefined;
  if (!hasRefs && events.length === 0)
    throw new ReviewInputError("Nothing to review: give --base (and --head), or --pulumi-events FILE.");
  const git = hasRefs ? await GitRepo.open(options.cwd) : undefined;
  const paths = git ? repoPaths(git.root, options.cwd, options.paths ?? []) : [];
  const scoped = paths.filter((p) => p !== ".");

  let head: string | undefined;
  let base: string | undefined;
  let compare: string | undefined;
  if (git !== undefined && options.base !== undefined) {
    head = await git.resolveCommit(options.head ?? "HEAD", "--head");
    base = await git.resolveCommit(options.base, "--base");
    compare = (await git.mergeBase(base, head)) ?? base;
  }
  const loaded = await loadPolicy({ file: options.policyFile, git, base, head });
  const policy = loaded.policy;
  const failOn = options.failOn ?? policy.failOn;

  const plan: PlanRow[] = [];
  const findings: Finding[] = [...loaded.findings];
  let unchanged = 0;
  const rootParts: string[] = [];
  if (git !== undefined && head !== undefined && compare !== undefined) {
    if (scoped.length > 0 || events.length === 0) {
      const manifests = await reviewManifests({
        git,
        base: compare,
        head,
        paths: scoped,
        policy,
        now,
        render: { tools: options.tools ?? {}, env: options.env ?? process.env },
      });
      plan.push(...manifests.plan);
      findings.push(...manifests.findings);
      unchanged += manifests.unchanged;
      rootParts.push(scoped.length > 0 ? scoped.join(",") : ".");
    }
    const literalPaths = policy.keyLiterals === "paths" ? scoped : [];
    findings.push(...(await scanDiffForKeys({ git, base: compare, head, paths: literalPaths, policy })));
  }
  for (const file of events) {
    let text: string;
    try {
      text = await readFile(resolve(options.cwd, file), "utf8");
    } catch (error) {
      throw new ReviewInputError(
        `cannot read the Pulumi event log ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      );
    }
    const pulumi = reviewPulumiEvents({ text, source: file, policy, now });
    plan.push(...pulumi.plan);
    findings.push(...pulumi.findings);
    unchanged += pulumi.unchanged;
    rootParts.push(
      ...(pulumi.stacks.length > 0 ? pulumi.stacks.map((s) => `pulumi:${s}`) : [`pulumi:${file}`]),
    );
  }

  const sorted = dedupe(findings).sort(SEVERITY_ORDER);
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of sorted) counts[f.severity]++;
  const report: ReviewReport = {
    version: 1,
    // The root names the sticky comment and the check run: it is shown, so it is masked like any text.
    root: maskKeyLiterals(options.root ?? (rootParts.join(" ") || ".")),
    policy: { source: loaded.source, failOn },
    plan,
    unchanged,
    findings: sorted,
    counts,
    failed: sorted.some((f) => failsAt(f.severity, failOn)),
  };
  if (head !== undefined) report.head = { ref: options.head ?? "HEAD", sha: head };
  if (compare !== undefined && options.base !== undefined) report.base = { ref: options.base, sha: compare };
  return report;
}
