import { fileStart, type ParsedManifests, type ParseOptions, parseManifestText } from "./manifests.ts";

/*
 * Which files may hold manifests and whether their bytes are reviewable text: size, binary content
 * and encoding are checked before any YAML is parsed. Files that never mention ApiKeys are skipped.
 */

export const MAX_MANIFEST_BYTES = 1024 * 1024;
export const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"] as const;

const RELEVANT = /ApiKey|keys\.ayra\.ai/i;

export function tooLargeMessage(bytes: number): string {
  return `is ${(bytes / 1024 / 1024).toFixed(1)} MiB, more than the ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB a manifest may have: not reviewed. Split it into smaller files.`;
}

export function isManifestPath(path: string): boolean {
  const lower = path.toLowerCase();
  return MANIFEST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export type Undecodable = { problem: string; reason: "too-large" | "binary" | "encoding" };

/** Text of a file (without a BOM), or why it is not reviewable text. */
export function decodeManifest(bytes: Uint8Array): { text: string } | Undecodable {
  if (bytes.length > MAX_MANIFEST_BYTES)
    return { problem: tooLargeMessage(bytes.length), reason: "too-large" };
  if (bytes.includes(0))
    return { problem: "is a binary file (it contains NUL bytes), not YAML: not reviewed.", reason: "binary" };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return {
      problem: "is not UTF-8 text, which Kubernetes manifests must be: not reviewed.",
      reason: "encoding",
    };
  }
}

export function parseManifestFile(file: string, bytes: Uint8Array, options: ParseOptions): ParsedManifests {
  const decoded = decodeManifest(bytes);
  if ("problem" in decoded) {
    // A big or binary file that never mentions ApiKeys is none of the review's business.
    const head = Buffer.from(bytes.subarray(0, 64 * 1024)).toString("latin1");
    const suspicious = decoded.reason !== "too-large" || RELEVANT.test(head);
    return {
      keys: [],
      problems: suspicious
        ? [
            {
              rule: "unreadable-file",
              message: `${file} ${decoded.problem}`,
              location: fileStart(file, options.side),
            },
          ]
        : [],
    };
  }
  if (!RELEVANT.test(decoded.text)) return { keys: [], problems: [] };
  return parseManifestText(file, decoded.text, options);
}
