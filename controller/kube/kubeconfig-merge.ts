// Several kubeconfig files merged the way kubectl merges $KUBECONFIG: for clusters, users and contexts the
// first file to name an entry wins (later files cannot override it); current-context comes from the first
// file that sets one. Each entry remembers the file it came from, so its relative paths resolve against
// that file's folder, as kubectl resolves them.
import { KubeconfigError } from "./kubeconfig-errors.ts";

export type Fields = Record<string, unknown>;

export interface Entry {
  value: Fields;
  /** The file that defined the entry. */
  file: string;
}

export interface MergedKubeconfig {
  files: readonly string[];
  clusters: ReadonlyMap<string, Entry>;
  users: ReadonlyMap<string, Entry>;
  contexts: ReadonlyMap<string, Entry>;
  currentContext: string | undefined;
}

export interface ParsedFile {
  file: string;
  /** The parsed YAML document (null for an empty file). */
  doc: unknown;
}

const SECTIONS = [
  ["clusters", "cluster"],
  ["users", "user"],
  ["contexts", "context"],
] as const;

const isObject = (v: unknown): v is Fields => typeof v === "object" && v !== null && !Array.isArray(v);

export function mergeKubeconfigs(parsed: readonly ParsedFile[]): MergedKubeconfig {
  const files = parsed.map((p) => p.file);
  const maps = {
    clusters: new Map<string, Entry>(),
    users: new Map<string, Entry>(),
    contexts: new Map<string, Entry>(),
  };
  let currentContext: string | undefined;
  for (const { file, doc } of parsed) {
    if (doc === null || doc === undefined) continue; // an empty file adds nothing, as with kubectl
    if (!isObject(doc))
      throw new KubeconfigError("FileInvalid", `kubeconfig ${file} is not a mapping`, files);
    for (const [section, field] of SECTIONS) {
      const list = doc[section];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list))
        throw new KubeconfigError("FileInvalid", `kubeconfig ${file}: ${section} must be a list`, files);
      // Within one file a later entry of the same name replaces an earlier one; across files the first wins.
      const own = new Map<string, Entry>();
      for (const [i, item] of list.entries()) {
        const name = isObject(item) ? item.name : undefined;
        const value = isObject(item) ? item[field] : undefined;
        if (typeof name !== "string" || name === "" || !isObject(value))
          throw new KubeconfigError(
            "FileInvalid",
            `kubeconfig ${file}: ${section}[${i}] needs a name and a ${field} mapping`,
            files,
          );
        own.set(name, { value, file });
      }
      for (const [name, entry] of own) if (!maps[section].has(name)) maps[section].set(name, entry);
    }
    const current = doc["current-context"];
    if (currentContext === undefined && typeof current === "string" && current !== "")
      currentContext = current;
  }
  return { files, ...maps, currentContext };
}

/** The context to use: --context, else current-context; an error that names the files read if there is none. */
export function chooseContext(
  merged: MergedKubeconfig,
  requested?: string,
): { name: string; context: Entry } {
  const read = merged.files.join(", ");
  const name = requested ?? merged.currentContext;
  const known = [...merged.contexts.keys()];
  const available = known.length === 0 ? "no contexts there" : `contexts there: ${known.join(", ")}`;
  if (name === undefined)
    throw new KubeconfigError(
      "ContextNotFound",
      `no current-context set in ${read} (${available}); pass --context`,
      merged.files,
    );
  const context = merged.contexts.get(name);
  if (context === undefined)
    throw new KubeconfigError(
      "ContextNotFound",
      `context "${name}" not found in ${read} (${available})`,
      merged.files,
    );
  return { name, context };
}
