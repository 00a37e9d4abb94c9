// JSON Schema (schemas/apikey.schema.json) → a structural CRD schema. CRDs refuse $schema, $id, title,
// `additionalProperties: false` (structural schemas prune unknown fields instead), `uniqueItems` (a set is
// `x-kubernetes-list-type: set`) and our own `x-ayra-*` markers; `$ref` is inlined and a `oneOf` of plain
// types is not expressible, so the generator refuses it rather than emit a schema the API server rejects.

type Json = Record<string, unknown>;

const DROPPED = new Set(["$schema", "$id", "title", "$comment", "examples"]);

export function toStructural(node: unknown, root: Json = node as Json): unknown {
  if (Array.isArray(node)) return node.map((item) => toStructural(item, root));
  if (typeof node !== "object" || node === null) return node;
  const input = node as Json;
  if (typeof input.$ref === "string") return toStructural(resolveRef(root, input.$ref), root);
  if (input.oneOf !== undefined || input.anyOf !== undefined)
    throw new Error(
      "the CRD generator cannot translate oneOf/anyOf; express the rule in core's validator instead",
    );
  const out: Json = {};
  for (const [key, value] of Object.entries(input)) {
    if (DROPPED.has(key) || key.startsWith("x-ayra-") || key === "$defs" || key === "definitions") continue;
    if (key === "additionalProperties" && value === false) continue;
    if (key === "uniqueItems") {
      if (value === true) out["x-kubernetes-list-type"] = "set";
      continue;
    }
    if (key === "properties" && typeof value === "object" && value !== null) {
      out.properties = Object.fromEntries(
        Object.entries(value as Json).map(([name, child]) => [name, toStructural(child, root)]),
      );
      continue;
    }
    out[key] =
      key === "enum" || key === "required" || key === "default" || key === "x-kubernetes-validations"
        ? value
        : toStructural(value, root);
  }
  return out;
}

function resolveRef(root: Json, ref: string): unknown {
  if (!ref.startsWith("#/")) throw new Error(`the CRD generator resolves only local $refs, not ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/"))
    node = (node as Json | undefined)?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  if (node === undefined) throw new Error(`$ref ${ref} points nowhere`);
  return node;
}
