import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import type { ChartSource } from "../../core/review/index.ts";
import { exportCommit, type GitRepo } from "../git.ts";
import { renderHelmSide } from "./helm-render.ts";
import { KUSTOMIZATION_FILE_NAMES } from "./kustomization-files.ts";
import { type RenderedSide, renderKustomizeSide } from "./kustomize-render.ts";
import { findTool, type ToolPaths } from "./render-tools.ts";

/*
 * Which reviewed paths are kustomizations (and which charts the policy names are reviewed), and both
 * sides of each, rendered. Each commit is exported
 * once into a temp folder that is removed afterwards, whatever happens.
 */

export type RenderSettings = {
  tools: ToolPaths;
  env: Record<string, string | undefined>;
  timeoutMs?: number;
};

export type RenderedRoot = { dir: string; head: RenderedSide; base: RenderedSide };

/** Whether a chart folder is among the reviewed paths (all of the repository when there are none). */
export function chartReviewed(chart: ChartSource, paths: readonly string[]): boolean {
  if (paths.length === 0) return true;
  return paths.some(
    (p) =>
      p === "." || p === chart.chart || chart.chart.startsWith(`${p}/`) || p.startsWith(`${chart.chart}/`),
  );
}

/** The reviewed paths that are kustomization folders (or files) at the head or the base. */
export async function kustomizeRoots(
  git: GitRepo,
  commits: { base: string; head: string },
  paths: readonly string[],
): Promise<Map<string, string>> {
  const roots = new Map<string, string>();
  for (const path of paths) {
    const name = posix.basename(path);
    const dir = (KUSTOMIZATION_FILE_NAMES as readonly string[]).includes(name) ? posix.dirname(path) : path;
    const candidates = KUSTOMIZATION_FILE_NAMES.map((n) => (dir === "." ? n : `${dir}/${n}`));
    const [atHead, atBase] = await Promise.all([
      git.listTree(commits.head, candidates),
      git.listTree(commits.base, candidates),
    ]);
    if ([...atHead, ...atBase].some((e) => e.type === "blob")) roots.set(path, dir);
  }
  return roots;
}

export async function renderRoots(
  git: GitRepo,
  commits: { base: string; head: string },
  dirs: readonly string[],
  charts: readonly ChartSource[],
  namespace: string,
  settings: RenderSettings,
): Promise<RenderedRoot[]> {
  const kubectl =
    dirs.length > 0
      ? await findTool("kubectl", settings.tools, settings.env, `the kustomization at ${dirs[0]}`)
      : "";
  const helm =
    charts.length > 0
      ? await findTool("helm", settings.tools, settings.env, `the chart ${charts[0]?.chart}`)
      : "";
  const scratch = await mkdtemp(join(tmpdir(), "ayra-keys-render-"));
  try {
    const home = join(scratch, "home");
    await mkdir(home);
    const exports = new Map<string, string>();
    for (const [side, commit] of [
      ["head", commits.head],
      ["base", commits.base],
    ] as const) {
      const dir = join(scratch, side);
      await mkdir(dir);
      await exportCommit(git, commit, dir);
      exports.set(side, dir);
    }
    const out: RenderedRoot[] = [];
    for (const dir of dirs) {
      const sides = await Promise.all(
        (["head", "base"] as const).map((side) =>
          renderKustomizeSide({
            exportRoot: exports.get(side) ?? "",
            dir,
            side,
            namespace,
            kubectl,
            home,
            ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
          }),
        ),
      );
      out.push({ dir, head: sides[0] as RenderedSide, base: sides[1] as RenderedSide });
    }
    for (const chart of charts) {
      const sides = await Promise.all(
        (["head", "base"] as const).map((side) =>
          renderHelmSide({
            exportRoot: exports.get(side) ?? "",
            chart,
            side,
            namespace,
            helm,
            home,
            ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
          }),
        ),
      );
      out.push({ dir: chart.chart, head: sides[0] as RenderedSide, base: sides[1] as RenderedSide });
    }
    return out;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
