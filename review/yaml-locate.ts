import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { Location } from "./report.ts";

/*
 * Spec paths ("rotation.gracePeriod", "scopes[2]", 'secret.labels["a/b"]') to places in a YAML file.
 * A path that does not exist (a missing required field) points at the deepest part that does.
 */

export type PathSegment = string | number;

/** Splits a dotted spec path from core/spec back into segments. */
export function specPathSegments(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\./y;
  let at = 0;
  while (at < path.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(path);
    if (match === null) break;
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(JSON.parse(match[3]) as string);
    at = pattern.lastIndex;
  }
  return segments;
}

/** The node found; `partial` when the path went deeper than the file does (a missing field). */
type Target = { node: Node; key?: Node; partial?: boolean };

/** The node at `segments` below `from`, or the deepest ancestor found (with its map key, if any). */
export function findNode(from: Node, segments: readonly PathSegment[]): Target {
  let current: Target = { node: from };
  for (const segment of segments) {
    const node = current.node;
    let next: Target | undefined;
    if (isMap(node) && typeof segment === "string") {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment);
      if (pair && isPair(pair)) {
        const key = pair.key as Node;
        next = pair.value ? { node: pair.value as Node, key } : { node: key, key };
      }
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item && !isPair(item)) next = { node: item as Node };
    }
    if (next === undefined) return { ...current, partial: true };
    current = next;
  }
  return current;
}

function isSingleLine(node: Node, counter: LineCounter): boolean {
  const [start, , end] = node.range ?? [0, 0, 0];
  return counter.linePos(start).line === counter.linePos(Math.max(start, end - 1)).line;
}

/**
 * Where to point for `target`: a scalar or a one-line flow collection itself; a block collection, an
 * alias or the parent of a missing field by its key.
 */
export function locationOf(
  target: Target,
  file: string,
  counter: LineCounter,
  side: "head" | "base",
): Location {
  const found = target.node;
  const block = isCollection(found) && !(found.flow === true && isSingleLine(found, counter));
  const node = (block || isAlias(found) || target.partial) && target.key ? target.key : found;
  const [start = 0, valueEnd = start] = node.range ?? [];
  const from = counter.linePos(start);
  let to = counter.linePos(Math.max(start, valueEnd));
  // A block collection without a key (the document itself): its first line only.
  if (to.line !== from.line) to = { line: from.line, col: from.col + 1 };
  return { file, line: from.line, column: from.col, endLine: to.line, endColumn: to.col, side };
}
