import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import schema from "../../schemas/apikey.schema.json" with { type: "json" };

/** The ApiKey spec schema (contract 2), for the CRD generator and documentation. */
export const API_KEY_SCHEMA: Readonly<Record<string, unknown>> = schema;

/** Vendor keyword marking fields that need the Kubernetes controller. */
export const KUBERNETES_ONLY_KEYWORD = "x-ayra-kubernetes-only";

// Compiled once per process, on first use: compiling is the expensive part (milliseconds),
// validating is cheap. The compiled function is pure, so sharing it carries no state.
let compiled: ValidateFunction | undefined;

export function schemaValidator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
    // ajv-formats is CommonJS; under NodeNext its default import is the module object.
    addFormats.default(ajv, ["date-time"]);
    ajv.addKeyword({ keyword: KUBERNETES_ONLY_KEYWORD, schemaType: "boolean" });
    ajv.addKeyword({ keyword: "x-kubernetes-validations", schemaType: "array" });
    compiled = ajv.compile(schema);
  }
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
