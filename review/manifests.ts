import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type YAMLMap,
} from "yaml";
import { describeValue } from "../core/domain/safe-text.ts";
import type { Location } from "./report.ts";
import { findNode, locationOf, specPathSegments } from "./yaml-locate.ts";

/*
 * The ApiKeys in one file's text: multi-document YAML (or JSON), plain files, `kind: List` included.
 * Everything odd becomes a problem with a place, never an exception: broken YAML, alias bombs,
 * other kinds in the keys.ayra.ai group, missing or malformed names.
 */

export const API_GROUP = "keys.ayra.ai";
export const API_VERSION = "v1alpha1";
/** Aliases one ApiKey may expand; real manifests use a handful, a YAML bomb thousands. */
export const MAX_ALIAS_COUNT = 100;

export type ApiKeyManifest = {
  file: string;
  namespace: string;
  name: string;
  /** "namespace/name": how base and head manifests are paired. */
  id: string;
  /** The spec as plain data, unvalidated (undefined when missing). */
  spec: unknown;
  /** JSON of the spec, to tell an untouched key without planning it. */
  fingerprint: string;
  /** metadata.name, where rows and duplicate findings point. */
  location: Location;
  /** Where a spec path ("scopes[2]") is; a missing path points at its nearest present parent. */
  locate(specPath: string): Location;
};

export type ManifestProblem = {
  rule: "invalid-manifest" | "unreadable-file" | "render-failed";
  message: string;
  location: Location;
  key?: string;
};

export type ParsedManifests = { keys: ApiKeyManifest[]; problems: ManifestProblem[] };
export type ParseOptions = { namespace: string; side: "head" | "base" };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function fileStart(file: string, side: "head" | "base"): Location {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1, side };
}

export function parseManifestText(file: string, text: string, options: ParseOptions): ParsedManifests {
  const counter = new LineCounter();
  const result: ParsedManifests = { keys: [], problems: [] };
  let documents: Document.Parsed[];
  try {
    documents = parseAllDocuments(text, {
      lineCounter: counter,
      prettyErrors: false,
      uniqueKeys: true,
    }) as Document.Parsed[];
  } catch (error) {
    const why = error instanceof RangeError ? "nests too deeply to parse" : "could not be parsed as YAML";
    result.problems.push({
      rule: "invalid-manifest",
      message: `${file} ${why}: not reviewed.`,
      location: fileStart(file, options.side),
    });
    return result;
  }
  const context: FileContext = { file, counter, options, result, many: documents.length > 1 };
  documents.forEach((doc, index) => {
    readDocument(context, doc, index);
  });
  return result;
}

type FileContext = {
  file: string;
  counter: LineCounter;
  options: ParseOptions;
  result: ParsedManifests;
  many: boolean;
};

function where(context: FileContext, node: Node | undefined, key?: Node): Location {
  if (node === undefined) return fileStart(context.file, context.options.side);
  return locationOf(key ? { node, key } : { node }, context.file, context.counter, context.options.side);
}

function at(context: FileContext, offset: number): Location {
  const { line, col } = context.counter.linePos(offset);
  return {
    file: context.file,
    line,
    column: col,
    endLine: line,
    endColumn: col + 1,
    side: context.options.side,
  };
}

function problem(context: FileContext, location: Location, message: string, key?: string): void {
  const entry: ManifestProblem = { rule: "invalid-manifest", message, location };
  if (key !== undefined) entry.key = key;
  context.result.problems.push(entry);
}

function label(context: FileContext, index: number): string {
  return context.many ? `${context.file} (document ${index + 1})` : context.file;
}

function readDocument(context: FileContext, doc: Document.Parsed, index: number): void {
  const [error] = doc.errors;
  if (error !== undefined) {
    problem(
      context,
      at(context, error.pos[0]),
      `${label(context, index)} is not valid YAML: ${error.message} (${error.code}). ApiKeys in it are not reviewed.`,
    );
    return;
  }
  const root = doc.contents;
  if (root === null || root === undefined || (isScalar(root) && root.value === null)) return;
  if (!isMap(root)) {
    problem(
      context,
      where(context, root as Node),
      `${label(context, index)} is ${isSeq(root) ? "a list" : "a single value"}, not a Kubernetes object with apiVersion and kind.`,
    );
    return;
  }
  readObject(context, doc, root, `${label(context, index)}`);
}

function pairOf(map: YAMLMap, key: string): { key: Node; value: Node | undefined } | undefined {
  const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
  if (pair === undefined || !isPair(pair)) return undefined;
  return { key: pair.key as Node, value: (pair.value ?? undefined) as Node | undefined };
}

function plain(doc: Document.Parsed, node: Node | undefined): unknown {
  if (node === undefined) return undefined;
  return node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT });
}

function stringAt(doc: Document.Parsed, map: YAMLMap, key: string): unknown {
  return plain(doc, pairOf(map, key)?.value);
}

function readObject(context: FileContext, doc: Document.Parsed, map: YAMLMap, what: string): void {
  let apiVersion: unknown;
  let kind: unknown;
  try {
    apiVersion = stringAt(doc, map, "apiVersion");
    kind = stringAt(doc, map, "kind");
  } catch {
    problem(
      context,
      where(context, map),
      `${what}: apiVersion or kind could not be read (too many aliases).`,
    );
    return;
  }
  const version = typeof apiVersion === "string" ? apiVersion : "";
  const group = version.includes("/") ? version.slice(0, version.indexOf("/")) : "";
  if (kind === "List" && version === "v1") {
    readList(context, doc, map, what);
    return;
  }
  const kindNode = pairOf(map, "kind");
  if (group === API_GROUP) {
    if (kind !== "ApiKey") {
      const hint =
        typeof kind === "string" && kind.toLowerCase().replace(/s$/, "") === "apikey"
          ? " Did you mean ApiKey?"
          : "";
      problem(
        context,
        where(context, kindNode?.value ?? map, kindNode?.key),
        kind === undefined
          ? `${what}: kind is required; the ${API_GROUP} group has one kind, ApiKey.`
          : `${what}: kind ${describeValue(kind)} is not a kind of ${API_GROUP}; its only kind is ApiKey.${hint}`,
      );
      return;
    }
    if (version !== `${API_GROUP}/${API_VERSION}`) {
      const versionNode = pairOf(map, "apiVersion");
      problem(
        context,
        where(context, versionNode?.value ?? map, versionNode?.key),
        `${what}: apiVersion ${describeValue(version)} is not served; ApiKey is ${API_GROUP}/${API_VERSION}.`,
      );
      return;
    }
    readApiKey(context, doc, map, what);
    return;
  }
  // kind ApiKey without a group (or in the core "v1"): a near miss, since no other group is meant here.
  if (kind === "ApiKey" && (group === "" || apiVersion === undefined)) {
    const versionNode = pairOf(map, "apiVersion");
    problem(
      context,
      where(context, versionNode?.value ?? kindNode?.value ?? map, versionNode?.key ?? kindNode?.key),
      `${what}: kind ApiKey needs apiVersion ${API_GROUP}/${API_VERSION}${apiVersion === undefined ? "" : `, not ${describeValue(apiVersion)}`}.`,
    );
  }
}

function readList(context: FileContext, doc: Document.Parsed, map: YAMLMap, what: string): void {
  const items = pairOf(map, "items")?.value;
  if (!isSeq(items)) return;
  items.items.forEach((item, i) => {
    if (isMap(item)) readObject(context, doc, item, `${what} items[${i}]`);
  });
}

function readApiKey(context: FileContext, doc: Document.Parsed, map: YAMLMap, what: string): void {
  const metadata = pairOf(map, "metadata");
  if (!isMap(metadata?.value)) {
    problem(
      context,
      where(context, metadata?.value ?? map, metadata?.key),
      `${what}: an ApiKey needs metadata with a name.`,
    );
    return;
  }
  const meta = metadata.value;
  const nameEntry = pairOf(meta, "name");
  const namespaceEntry = pairOf(meta, "namespace");
  let name: unknown;
  let namespace: unknown;
  try {
    name = plain(doc, nameEntry?.value);
    namespace = plain(doc, namespaceEntry?.value);
  } catch {
    problem(
      context,
      where(context, meta, metadata.key),
      `${what}: metadata could not be read (too many aliases).`,
    );
    return;
  }
  const nameAt = where(context, nameEntry?.value ?? meta, nameEntry?.key ?? metadata.key);
  if (typeof name !== "string" || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    problem(
      context,
      nameAt,
      name === undefined
        ? `${what}: metadata.name is required on an ApiKey.`
        : `${what}: metadata.name ${describeValue(name)} is not a Kubernetes name (lowercase letters, digits, '-' and '.', at most 253).`,
    );
    return;
  }
  if (
    namespace !== undefined &&
    (typeof namespace !== "string" || namespace.length > 63 || !DNS_LABEL.test(namespace))
  ) {
    problem(
      context,
      where(context, namespaceEntry?.value ?? meta, namespaceEntry?.key),
      `${what}: metadata.namespace ${describeValue(namespace)} is not a Kubernetes namespace name.`,
    );
    return;
  }
  const ns = typeof namespace === "string" ? namespace : context.options.namespace;
  const id = `${ns}/${name}`;
  const specEntry = pairOf(map, "spec");
  let spec: unknown;
  try {
    spec = plain(doc, specEntry?.value);
  } catch {
    problem(
      context,
      where(context, specEntry?.value ?? map, specEntry?.key),
      `${what}: the spec of ApiKey ${id} expands more than ${MAX_ALIAS_COUNT} aliases, which looks like a YAML bomb: not reviewed.`,
      id,
    );
    return;
  }
  const specNode = specEntry?.value;
  const fallback = specEntry?.key ?? (map as Node);
  context.result.keys.push({
    file: context.file,
    namespace: ns,
    name,
    id,
    spec,
    fingerprint: JSON.stringify(spec) ?? "",
    location: nameAt,
    locate: (specPath) => {
      if (specNode === undefined) return where(context, fallback);
      const target = findNode(specNode, specPathSegments(specPath));
      if (target.node === specNode && specEntry?.key) return where(context, specNode, specEntry.key);
      return locationOf(target, context.file, context.counter, context.options.side);
    },
  });
}
