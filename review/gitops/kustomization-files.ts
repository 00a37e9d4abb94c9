import { lstat, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { parse } from "yaml";

/*
 * Kustomization files as data: where they are, and the list fields that name other files. Paths are
 * repository paths with forward slashes (the export's root is the repository's).
 */

export const KUSTOMIZATION_FILE_NAMES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

export type Kustomization = {
  /** The kustomization file, e.g. "deploy/keys/overlays/prod/kustomization.yaml". */
  file: string;
  /** Its folder: what its relative paths are relative to. */
  dir: string;
  data: Record<string, unknown>;
};

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile();
  } catch {
    return false;
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The kustomization file in `dir` (a repository path), if there is one. */
export async function findKustomization(exportRoot: string, dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const file = dir === "." || dir === "" ? name : `${dir}/${name}`;
    if (await isFile(join(exportRoot, file))) return file;
  }
  return undefined;
}

export class KustomizationParseError extends Error {
  override readonly name = "KustomizationParseError";
}

export async function readKustomization(exportRoot: string, file: string): Promise<Kustomization> {
  const text = await readFile(join(exportRoot, file), "utf8");
  let data: unknown;
  try {
    data = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new KustomizationParseError(
      `${file} is not valid YAML: ${error instanceof Error ? error.message.split("\n")[0] : "parse error"}`,
    );
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== "object" || Array.isArray(data))
    throw new KustomizationParseError(`${file} must be a mapping of kustomization fields.`);
  return { file, dir: posix.dirname(file), data: data as Record<string, unknown> };
}

/** A list field's string entries (others are reported by kubectl itself). */
export function stringList(data: Record<string, unknown>, field: string): string[] {
  const value = data[field];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export function objectList(data: Record<string, unknown>, field: string): Record<string, unknown>[] {
  const value = data[field];
  return Array.isArray(value)
    ? value.filter(
        (v): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v),
      )
    : [];
}

/** A path relative to a kustomization's folder as a repository path, or undefined when it leaves the repository. */
export function repoPath(dir: string, relative: string): string | undefined {
  if (posix.isAbsolute(relative)) return undefined;
  const joined = posix.normalize(posix.join(dir, relative));
  if (joined === ".." || joined.startsWith("../")) return undefined;
  return joined.replace(/\/$/, "");
}

/**
 * The files kustomizations name as patches, among files read as plain YAML: a patch is a fragment of an
 * object, not a manifest of its own, so the plain review leaves it out (rendering reviews its effect).
 */
export function patchFilesOf(files: readonly { path: string; bytes: Buffer | undefined }[]): Set<string> {
  const patches = new Set<string>();
  for (const { path, bytes } of files) {
    if (
      bytes === undefined ||
      !(KUSTOMIZATION_FILE_NAMES as readonly string[]).includes(posix.basename(path))
    )
      continue;
    let data: unknown;
    try {
      data = parse(bytes.toString("utf8"), { maxAliasCount: 100 });
    } catch {
      continue;
    }
    if (typeof data !== "object" || data === null || Array.isArray(data)) continue;
    const record = data as Record<string, unknown>;
    const dir = posix.dirname(path);
    const named = [
      ...objectList(record, "patches").map((p) => p.path),
      ...objectList(record, "patchesJson6902").map((p) => p.path),
      ...stringList(record, "patchesStrategicMerge").filter((p) => !p.includes("\n")),
    ];
    for (const entry of named) {
      const file = typeof entry === "string" ? repoPath(dir, entry) : undefined;
      if (file !== undefined) patches.add(file);
    }
  }
  return patches;
}
