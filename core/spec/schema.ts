import type { ValidateFunction } from "ajv";
import schema from "../../schemas/apikey.schema.json" with { type: "json" };
import compiled from "./generated/apikey-schema-validator.cjs";

/** Vendor keyword marking fields that need the Kubernetes controller. */
export const KUBERNETES_ONLY_KEYWORD = "x-ayra-kubernetes-only";

/** The ApiKey spec schema (contract 2), for the CRD generator and documentation. */
export const API_KEY_SCHEMA: Readonly<Record<string, unknown>> = schema;

/** The schema's validator, compiled ahead of time (see validator-source.ts). */
export function schemaValidator(): ValidateFunction {
  return compiled;
}

type SchemaNode = { properties?: Record<string, SchemaNode>; [KUBERNETES_ONLY_KEYWORD]?: boolean };

/** Dotted paths of the properties marked Kubernetes-only, read from the schema itself. */
export function kubernetesOnlyPaths(): string[] {
  const paths: string[] = [];
  const walk = (node: SchemaNode, prefix: string): void => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const path = prefix === "" ? name : `${prefix}.${name}`;
      if (child[KUBERNETES_ONLY_KEYWORD] === true) paths.push(path);
      else walk(child, path);
    }
  };
  walk(schema as SchemaNode, "");
  return paths;
}

/** The `properties` of the schema node at a dotted path ("" for the spec), for suggestions. */
export function fieldsAt(path: string): string[] {
  let node: SchemaNode | undefined = schema as SchemaNode;
  for (const part of path === "" ? [] : path.split(".")) node = node?.properties?.[part];
  return Object.keys(node?.properties ?? {});
}
