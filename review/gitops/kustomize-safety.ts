import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import {
  findKustomization,
  isDirectory,
  isFile,
  type Kustomization,
  KustomizationParseError,
  objectList,
  readKustomization,
  repoPath,
  stringList,
} from "./kustomization-files.ts";

/*
 * Kustomizations come from the pull request, so they are untrusted. Before kubectl sees one, every
 * kustomization it reaches is read and refused when it names remote content (a URL or git base, a
 * remote chart), a chart at all (--enable-helm stays off), or a generator, transformer or validator that
 * is not one of kustomize's built-ins (exec and container functions, plugins). kubectl then runs with
 * the root-only load restrictor and without plugins, so this is the first of two fences.
 */

async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export type Refusal = { file: string; message: string };
export type SafetyCheck = { refusals: Refusal[]; kustomizations: Kustomization[] };

// A URL scheme, a go-getter forced protocol (git::), scp-like git (git@host:path), or a ?ref= query.
const REMOTE = /^([a-z][a-z0-9+.-]*:\/\/|[a-z0-9]+::|[\w.-]+@[\w.-]+:)|\?ref=/i;
// A first segment that looks like a host (github.com/org/repo): remote unless the repository has it.
const HOST_LIKE = /^[\w-]+(\.[\w-]+)*\.[a-z]{2,}\//i;

/** Whether kustomize would fetch this entry; `existsLocally` tells a folder named like a host from a host. */
export function isRemoteReference(entry: string, existsLocally = false): boolean {
  const trimmed = entry.trim();
  return REMOTE.test(trimmed) || (!existsLocally && HOST_LIKE.test(trimmed));
}

const FUNCTION_ANNOTATIONS = ["config.kubernetes.io/function", "config.k8s.io/function"];
const HELM_FIELDS = ["helmCharts", "helmChartInflationGenerator", "helmGlobals"];

/** Why a generator/transformer/validator config is not a kustomize built-in, or undefined when it is. */
function notBuiltin(config: unknown): string | undefined {
  if (typeof config !== "object" || config === null) return undefined;
  const record = config as Record<string, unknown>;
  const metadata = (record.metadata ?? {}) as Record<string, unknown>;
  const annotations = (metadata.annotations ?? {}) as Record<string, unknown>;
  const fn = FUNCTION_ANNOTATIONS.find((a) => annotations[a] !== undefined);
  if (fn !== undefined) return `declares a KRM function (${fn}: an exec or container function)`;
  if (record.apiVersion !== "builtin")
    return `is ${String(record.apiVersion ?? "no apiVersion")}/${String(record.kind ?? "?")}, not a kustomize built-in (apiVersion: builtin): a plugin`;
  return undefined;
}

async function checkPluginEntries(
  root: string,
  k: Kustomization,
  field: string,
  refusals: Refusal[],
): Promise<void> {
  const value = k.data[field];
  if (!Array.isArray(value)) return;
  for (const entry of value) {
    if (typeof entry !== "string") {
      const why = notBuiltin(entry);
      if (why)
        refusals.push({
          file: k.file,
          message: `${k.file}: an inline ${field} entry ${why}; it is not run.`,
        });
      continue;
    }
    if (isRemoteReference(entry)) {
      refusals.push({
        file: k.file,
        message: `${k.file}: ${field} entry ${entry} is remote; only files in the repository are rendered.`,
      });
      continue;
    }
    const path = repoPath(k.dir, entry);
    if (path === undefined || !(await isFile(join(root, path)))) {
      refusals.push({
        file: k.file,
        message: `${k.file}: ${field} entry ${entry} is not a file in the repository (a folder of generated configs is not rendered).`,
      });
      continue;
    }
    const docs = parseAllDocuments(await readFile(join(root, path), "utf8"));
    for (const doc of docs) {
      const why = notBuiltin(doc.toJS({ maxAliasCount: 100 }));
      if (why)
        refusals.push({ file: path, message: `${path} (${field} of ${k.file}) ${why}; it is not run.` });
    }
  }
}

/** Walks the kustomization in `dir` and every local kustomization it reaches; nothing is executed. */
export async function checkKustomization(exportRoot: string, dir: string): Promise<SafetyCheck> {
  const refusals: Refusal[] = [];
  const kustomizations: Kustomization[] = [];
  const seen = new Set<string>();
  const visit = async (folder: string, from: string): Promise<void> => {
    if (seen.has(folder)) return;
    seen.add(folder);
    const file = await findKustomization(exportRoot, folder);
    if (file === undefined) {
      refusals.push({
        file: from,
        message: `${from} names ${folder}, a folder without a kustomization.yaml.`,
      });
      return;
    }
    let k: Kustomization;
    try {
      k = await readKustomization(exportRoot, file);
    } catch (error) {
      if (!(error instanceof KustomizationParseError)) throw error;
      refusals.push({ file, message: error.message });
      return;
    }
    kustomizations.push(k);
    for (const field of HELM_FIELDS)
      if (k.data[field] !== undefined)
        refusals.push({
          file,
          message: `${file}: ${field} is not rendered (charts inside a kustomization need --enable-helm, which stays off); name the chart in .ayra-keys.yaml instead.`,
        });
    for (const field of ["generators", "transformers", "validators"])
      await checkPluginEntries(exportRoot, k, field, refusals);
    for (const field of ["resources", "bases", "components"]) {
      for (const entry of stringList(k.data, field)) {
        const local = repoPath(k.dir, entry);
        const exists = local !== undefined && (await pathExists(join(exportRoot, local)));
        if (isRemoteReference(entry, exists)) {
          refusals.push({
            file,
            message: `${file}: ${field} entry ${entry} is remote; remote bases are not fetched (the review renders the repository alone). Vendor it into the repository.`,
          });
          continue;
        }
        if (local === undefined) {
          refusals.push({ file, message: `${file}: ${field} entry ${entry} leaves the repository.` });
          continue;
        }
        if (await isDirectory(join(exportRoot, local))) await visit(local, file);
      }
    }
    for (const patch of objectList(k.data, "patches")) {
      if (typeof patch.path === "string" && isRemoteReference(patch.path))
        refusals.push({
          file,
          message: `${file}: patch ${patch.path} is remote; only files in the repository are rendered.`,
        });
    }
  };
  await visit(dir, dir);
  return { refusals, kustomizations };
}
