import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import type { ApiKeyManifest, ManifestProblem } from "../manifests.ts";
import { fileStart, parseManifestText } from "../manifests.ts";
import { findKustomization } from "./kustomization-files.ts";
import { checkKustomization } from "./kustomize-safety.ts";
import { runTool } from "./render-tools.ts";
import { mapToSources } from "./source-map.ts";

/*
 * One side (base or head) of a kustomization, rendered the way GitOps applies it: from an export of
 * that commit, checked first (kustomize-safety.ts), then `kubectl kustomize` with the root-only load
 * restrictor, plugins and Helm off, and a time limit. Its ApiKeys point back at their source files.
 */

export type RenderedSide = { keys: ApiKeyManifest[]; problems: ManifestProblem[] };

export type KustomizeSideInput = {
  /** The commit's tree, exported (see exportCommit). */
  exportRoot: string;
  /** The kustomization's folder, a repository path. */
  dir: string;
  side: "head" | "base";
  namespace: string;
  kubectl: string;
  /** A scratch HOME for kubectl. */
  home: string;
  timeoutMs?: number;
};

// The origin annotation names each resource's file; added to the export's copy, never the repository.
async function askForOrigins(exportRoot: string, file: string): Promise<void> {
  const path = join(exportRoot, file);
  const doc = parseDocument(await readFile(path, "utf8"));
  const current = doc.get("buildMetadata");
  const list = Array.isArray((current as { toJSON?: () => unknown } | undefined)?.toJSON?.())
    ? ((current as { toJSON: () => unknown[] }).toJSON() as unknown[])
    : [];
  if (!list.includes("originAnnotations")) doc.set("buildMetadata", [...list, "originAnnotations"]);
  await writeFile(path, doc.toString());
}

function refused(file: string, side: "head" | "base", message: string): ManifestProblem {
  return { rule: "render-failed", message, location: fileStart(file, side) };
}

/** kubectl's arguments: the root-only load restrictor, no plugins (exec or container functions), no Helm. */
export function kustomizeArgs(dir: string): string[] {
  return [
    "kustomize",
    dir,
    "--load-restrictor=LoadRestrictionsRootOnly",
    "--enable-alpha-plugins=false",
    "--enable-helm=false",
  ];
}

export async function renderKustomizeSide(input: KustomizeSideInput): Promise<RenderedSide> {
  const rootFile = await findKustomization(input.exportRoot, input.dir);
  if (rootFile === undefined) return { keys: [], problems: [] };
  const check = await checkKustomization(input.exportRoot, input.dir);
  if (check.refusals.length > 0)
    return {
      keys: [],
      problems: check.refusals.map((r) =>
        refused(
          r.file,
          input.side,
          `${r.message} The kustomization at ${input.dir} is not rendered or reviewed.`,
        ),
      ),
    };
  await askForOrigins(input.exportRoot, rootFile);
  const run = await runTool(input.kubectl, kustomizeArgs(input.dir), {
    cwd: input.exportRoot,
    home: input.home,
    ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}),
  });
  if (!run.ok)
    return {
      keys: [],
      problems: [refused(rootFile, input.side, `kubectl kustomize ${input.dir} failed: ${run.message}`)],
    };
  const label = `${input.dir} (rendered)`;
  const parsed = parseManifestText(label, run.stdout, { namespace: input.namespace, side: input.side });
  const keys = await mapToSources(
    {
      exportRoot: input.exportRoot,
      side: input.side,
      namespace: input.namespace,
      rootFile,
      kustomizations: check.kustomizations,
    },
    run.stdout,
    parsed.keys,
  );
  // A rendered object's problem has no line a person can edit: it is reported on the kustomization.
  const problems = parsed.problems.map((p) => ({ ...p, location: fileStart(rootFile, input.side) }));
  return { keys, problems };
}
