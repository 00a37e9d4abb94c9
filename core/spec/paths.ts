import { maskKeyLiterals } from "../domain/key-format.ts";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Appends a property name or array index to a dotted spec path: `rotation.every`, `scopes[2]`. */
export function childPath(parent: string, segment: string | number): string {
  if (typeof segment === "number") return `${parent}[${segment}]`;
  // A field name can be a pasted key too; masking makes it a non-identifier, so it is quoted.
  const safe = maskKeyLiterals(segment);
  if (!IDENTIFIER.test(safe)) return `${parent}[${JSON.stringify(safe)}]`;
  return parent === "" ? safe : `${parent}.${safe}`;
}

/** ajv's JSON Pointer (`/rotation/every`, `/scopes/2`) as a dotted spec path. */
export function pathFromPointer(pointer: string): string {
  if (pointer === "") return "";
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<string>((path, s) => childPath(path, /^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s), "");
}

/** The path in prose: the spec itself is "the spec". */
export function fieldName(path: string): string {
  return path === "" ? "the spec" : path;
}

/** True when `path` is `ancestor` or lies inside it. */
export function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}
