import type { ReviewPolicy } from "../core/review/index.ts";
import { reviewFinding } from "./findings.ts";
import type { GitRepo, TreeEntry } from "./git.ts";
import { patchFilesOf } from "./gitops/kustomization-files.ts";
import { chartReviewed, kustomizeRoots, type RenderSettings, renderRoots } from "./gitops/rendered-sides.ts";
import { planKeys } from "./key-plan.ts";
import { isManifestPath, MAX_MANIFEST_BYTES, parseManifestFile, tooLargeMessage } from "./manifest-file.ts";
import type { ApiKeyManifest, ManifestProblem } from "./manifests.ts";
import type { Finding, PlanRow } from "./report.ts";

/*
 * The manifest half of a review: gather both trees' ApiKeys (one ls-tree and one cat-file batch per
 * side), pair them by namespace/name, then plan and judge each changed key with core's functions.
 */

export type ManifestReviewInput = {
  git: GitRepo;
  /** The commit compared against (the merge base). */
  base: string;
  head: string;
  paths: readonly string[];
  policy: ReviewPolicy;
  now: Date;
  /** How to render kustomizations among the paths; without it, kustomization folders are read as plain YAML. */
  render?: RenderSettings;
};

export type ManifestReview = { plan: PlanRow[]; unchanged: number; findings: Finding[] };

type Side = { keys: ApiKeyManifest[]; problems: ManifestProblem[] };

function manifestFiles(entries: readonly TreeEntry[]): TreeEntry[] {
  return entries
    .filter((e) => e.type === "blob" && e.mode !== "120000" && isManifestPath(e.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function tooLarge(entry: TreeEntry, side: "head" | "base"): ManifestProblem {
  return {
    rule: "unreadable-file",
    message: `${entry.path} ${tooLargeMessage(entry.size)}`,
    location: { file: entry.path, line: 1, column: 1, endLine: 1, endColumn: 1, side },
  };
}

function readSide(
  entries: readonly TreeEntry[],
  blobs: Map<string, Buffer>,
  side: "head" | "base",
  namespace: string,
): Side {
  const out: Side = { keys: [], problems: [] };
  for (const entry of entries) {
    if (entry.size > MAX_MANIFEST_BYTES) {
      out.problems.push(tooLarge(entry, side));
      continue;
    }
    const bytes = blobs.get(entry.oid);
    if (bytes === undefined) continue;
    const parsed = parseManifestFile(entry.path, bytes, { namespace, side });
    out.keys.push(...parsed.keys);
    out.problems.push(...parsed.problems);
  }
  return out;
}

export async function reviewManifests(input: ManifestReviewInput): Promise<ManifestReview> {
  const roots =
    input.render && input.paths.length > 0
      ? await kustomizeRoots(input.git, input, input.paths)
      : new Map<string, string>();
  const charts = input.render ? input.policy.charts.filter((c) => chartReviewed(c, input.paths)) : [];
  const chartDirs = charts.map((c) => c.chart);
  const plainPaths = input.paths.filter(
    (p) => !roots.has(p) && !chartDirs.some((d) => p === d || p.startsWith(`${d}/`)),
  );
  const review: ManifestReview = { plan: [], unchanged: 0, findings: [] };
  // An empty path list means the whole tree; when every path is a kustomization, nothing is read plain.
  if (input.paths.length === 0 || plainPaths.length > 0) {
    const plain = await reviewPlainManifests({ ...input, paths: plainPaths }, chartDirs);
    review.plan.push(...plain.plan);
    review.findings.push(...plain.findings);
    review.unchanged += plain.unchanged;
  }
  if ((roots.size > 0 || charts.length > 0) && input.render !== undefined) {
    const rendered = await renderRoots(
      input.git,
      input,
      [...roots.values()],
      charts,
      input.policy.namespace,
      input.render,
    );
    for (const root of rendered) {
      for (const p of root.head.problems) {
        const finding = reviewFinding(input.policy, p.rule, p.message, {
          location: p.location,
          ...(p.key ? { key: p.key } : {}),
        });
        if (finding) review.findings.push(finding);
      }
      // Without the head's objects nothing can be planned: every base key would look deleted.
      if (root.head.problems.some((p) => p.rule === "render-failed")) continue;
      const headById = new Map<string, ApiKeyManifest>();
      for (const key of root.head.keys) if (!headById.has(key.id)) headById.set(key.id, key);
      const baseById = new Map<string, ApiKeyManifest>();
      for (const key of root.base.keys) if (!baseById.has(key.id)) baseById.set(key.id, key);
      const planned = planKeys(input, [...headById.values()], headById, baseById, 0);
      review.plan.push(...planned.plan);
      review.findings.push(...planned.findings);
      review.unchanged += planned.unchanged;
    }
  }
  review.plan.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return review;
}

async function reviewPlainManifests(
  input: ManifestReviewInput,
  rendered: readonly string[],
): Promise<ManifestReview> {
  const { git, base, head, paths, policy } = input;
  const outside = (path: string) => !rendered.some((d) => path.startsWith(`${d}/`));
  const changed = (await git.changedFiles(base, head, paths)).filter(
    (f) => isManifestPath(f.path) && outside(f.path),
  );
  const changedPaths = new Set(changed.map((f) => f.path));
  const [headTree, baseTree] = await Promise.all([
    git.listTree(head, paths),
    changed.length > 0 ? git.listTree(base, [...changedPaths]) : Promise.resolve([]),
  ]);
  const headFiles = manifestFiles(headTree).filter((e) => outside(e.path));
  const baseFiles = manifestFiles(baseTree).filter((e) => changedPaths.has(e.path));
  const small = [...headFiles, ...baseFiles].filter((e) => e.size <= MAX_MANIFEST_BYTES);
  const blobs = await git.readBlobs(small.map((e) => e.oid));
  const patches = patchFilesOf(
    [...headFiles, ...baseFiles].map((e) => ({ path: e.path, bytes: blobs.get(e.oid) })),
  );
  const notPatch = (e: TreeEntry) => !patches.has(e.path);
  const headSide = readSide(headFiles.filter(notPatch), blobs, "head", policy.namespace);
  const baseSide = readSide(baseFiles.filter(notPatch), blobs, "base", policy.namespace);

  const findings: Finding[] = [];
  for (const p of headSide.problems) {
    if (!changedPaths.has(p.location.file)) continue;
    const finding = reviewFinding(policy, p.rule, p.message, {
      location: p.location,
      ...(p.key ? { key: p.key } : {}),
    });
    if (finding) findings.push(finding);
  }

  const headById = new Map<string, ApiKeyManifest>();
  const candidates: ApiKeyManifest[] = [];
  // Declarations in untouched files come first: a clash is reported on the one this change adds.
  const ordered = [
    ...headSide.keys.filter((k) => !changedPaths.has(k.file)),
    ...headSide.keys.filter((k) => changedPaths.has(k.file)),
  ];
  for (const key of ordered) {
    const first = headById.get(key.id);
    if (first === undefined) {
      headById.set(key.id, key);
      if (changedPaths.has(key.file)) candidates.push(key);
      continue;
    }
    if (!changedPaths.has(key.file) && !changedPaths.has(first.file)) continue;
    const finding = reviewFinding(
      policy,
      "duplicate-key",
      `ApiKey ${key.id} is declared again here; it is already declared at ${first.file}:${first.location.line}. Each namespace/name may be declared once: one would silently overwrite the other.`,
      { key: key.id, location: key.location },
    );
    if (finding) findings.push(finding);
  }
  const baseById = new Map<string, ApiKeyManifest>();
  for (const key of baseSide.keys) if (!baseById.has(key.id)) baseById.set(key.id, key);

  const planned = planKeys(input, candidates, headById, baseById, headById.size - candidates.length);
  return { plan: planned.plan, unchanged: planned.unchanged, findings: [...findings, ...planned.findings] };
}
