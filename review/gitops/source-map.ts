import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { type ApiKeyManifest, fileStart, parseManifestText } from "../manifests.ts";
import type { Location } from "../report.ts";
import { type Kustomization, objectList, repoPath, stringList } from "./kustomization-files.ts";

/*
 * Rendered ApiKeys point back at the files a person edits. A spec field an overlay patches points at
 * that patch (the kustomization nearest the rendered root wins: it applies last); any other field at
 * the resource's own file, which kustomize names in the config.kubernetes.io/origin annotation; what
 * cannot be told points at the root kustomization file.
 */

const ORIGIN = "config.kubernetes.io/origin";

/** A strategic-merge patch of ApiKeys, parsed like a manifest: its spec fields and where they are. */
type Patch = { keys: ApiKeyManifest[]; targetName?: string };

export type SourceContext = {
  exportRoot: string;
  side: "head" | "base";
  namespace: string;
  /** The rendered root's kustomization file. */
  rootFile: string;
  /** Every kustomization reached, the root first. */
  kustomizations: readonly Kustomization[];
};

async function readText(context: SourceContext, path: string): Promise<string | undefined> {
  try {
    return await readFile(join(context.exportRoot, path), "utf8");
  } catch {
    return undefined;
  }
}

async function parseSource(context: SourceContext, path: string): Promise<ApiKeyManifest[]> {
  const text = await readText(context, path);
  if (text === undefined) return [];
  return parseManifestText(path, text, { namespace: context.namespace, side: context.side }).keys;
}

async function loadPatches(context: SourceContext): Promise<Patch[]> {
  const patches: Patch[] = [];
  for (const k of context.kustomizations) {
    const entries: { path: string; targetName?: string }[] = [];
    for (const patch of objectList(k.data, "patches")) {
      if (typeof patch.path !== "string") continue;
      const target = (patch.target ?? {}) as Record<string, unknown>;
      const entry: { path: string; targetName?: string } = { path: patch.path };
      if (typeof target.name === "string") entry.targetName = target.name;
      entries.push(entry);
    }
    for (const path of stringList(k.data, "patchesStrategicMerge"))
      if (!path.includes("\n")) entries.push({ path });
    for (const entry of entries) {
      const path = repoPath(k.dir, entry.path);
      if (path === undefined) continue;
      const keys = await parseSource(context, path);
      if (keys.length > 0)
        patches.push({ keys, ...(entry.targetName ? { targetName: entry.targetName } : {}) });
    }
  }
  return patches;
}

// Prefixes and suffixes (namePrefix, nameSuffix) change names on the way up: an exact match wins.
function byName<T extends { name: string }>(items: readonly T[], name: string): T | undefined {
  return items.find((i) => i.name === name) ?? items.find((i) => name.includes(i.name));
}

function topField(specPath: string): string {
  return specPath.split(/[.[]/)[0] ?? specPath;
}

function hasField(spec: unknown, field: string): boolean {
  return typeof spec === "object" && spec !== null && Object.hasOwn(spec, field);
}

/** The origin file of each rendered ApiKey, by namespace/name. */
function origins(rendered: string, dir: string, namespace: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const doc of parseAllDocuments(rendered)) {
    const object = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
    if (object?.kind !== "ApiKey") continue;
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    const annotations = (metadata.annotations ?? {}) as Record<string, unknown>;
    const origin = annotations[ORIGIN];
    const match = typeof origin === "string" ? /^path:\s*(.+)$/m.exec(origin) : null;
    const path = match?.[1] ? repoPath(dir, match[1].trim().replace(/^["']|["']$/g, "")) : undefined;
    const id = `${typeof metadata.namespace === "string" ? metadata.namespace : namespace}/${String(metadata.name)}`;
    if (path !== undefined && !out.has(id)) out.set(id, path);
  }
  return out;
}

/** The rendered keys, with `file`, `location` and `locate` pointing into the repository's files. */
export async function mapToSources(
  context: SourceContext,
  rendered: string,
  keys: readonly ApiKeyManifest[],
): Promise<ApiKeyManifest[]> {
  const rootDir = context.kustomizations[0]?.dir ?? ".";
  const originFiles = origins(rendered, rootDir, context.namespace);
  const patches = await loadPatches(context);
  const rootStart: Location = fileStart(context.rootFile, context.side);
  const mapped: ApiKeyManifest[] = [];
  for (const key of keys) {
    const originFile = originFiles.get(key.id);
    const source = originFile ? byName(await parseSource(context, originFile), key.name) : undefined;
    const patchKeys = patches.flatMap((p) =>
      p.targetName !== undefined && !key.name.includes(p.targetName)
        ? []
        : [byName(p.keys, key.name) ?? (p.targetName ? p.keys[0] : undefined)],
    );
    const location = source?.location ?? rootStart;
    mapped.push({
      ...key,
      file: source?.file ?? context.rootFile,
      location,
      locate: (specPath) => {
        const field = topField(specPath);
        const patch = patchKeys.find((p) => p !== undefined && hasField(p.spec, field));
        if (patch) return patch.locate(specPath);
        if (source && hasField(source.spec, field)) return source.locate(specPath);
        return location;
      },
    });
  }
  return mapped;
}
