import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

// Loads schemas/keys-api.openapi.yaml and compiles its schemas with ajv, so tests on both sides of the contract
// (this client's, the keys service's) validate real responses against the one document.

export const KEYS_API_DOCUMENT = new URL("../../schemas/keys-api.openapi.yaml", import.meta.url);

/** The `$id` under which the document's component schemas are registered (as `$defs`). */
export const SCHEMA_BASE = "https://schemas.ayra-keys.dev/keys-api";

export type JsonObject = Record<string, unknown>;

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export interface Operation {
  method: (typeof HTTP_METHODS)[number];
  path: string;
  operation: JsonObject;
  /** Path-level parameters followed by the operation's own. */
  parameters: unknown[];
}

export function loadKeysApiDocument(url: URL = KEYS_API_DOCUMENT): JsonObject {
  return asObject(parse(readFileSync(url, "utf8")), "the document");
}

export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${what} is not an object`);
  return value as JsonObject;
}

export function operations(document: JsonObject): Operation[] {
  const found: Operation[] = [];
  for (const [path, item] of Object.entries(asObject(document.paths, "paths"))) {
    const pathItem = asObject(item, path);
    const shared = Array.isArray(pathItem.parameters) ? pathItem.parameters : [];
    for (const method of HTTP_METHODS) {
      if (pathItem[method] === undefined) continue;
      const operation = asObject(pathItem[method], `${method} ${path}`);
      const own = Array.isArray(operation.parameters) ? operation.parameters : [];
      found.push({ method, path, operation, parameters: [...shared, ...own] });
    }
  }
  return found;
}

/** Follows a local `$ref` (`#/components/...`) until it reaches a value that is not one. */
export function resolve(document: JsonObject, value: unknown): unknown {
  let current = value;
  for (let hops = 0; hops < 16; hops++) {
    if (typeof current !== "object" || current === null || !("$ref" in current)) return current;
    const ref = (current as { $ref: unknown }).$ref;
    if (typeof ref !== "string" || !ref.startsWith("#/")) throw new Error(`unsupported $ref ${String(ref)}`);
    current = ref
      .slice(2)
      .split("/")
      .reduce<unknown>(
        (node, part) => asObject(node, ref)[part.replaceAll("~1", "/").replaceAll("~0", "~")],
        document,
      );
    if (current === undefined) throw new Error(`dangling $ref ${ref}`);
  }
  throw new Error("$ref chain too long");
}

/** Points `#/components/schemas/X` at the registered `$defs` so a schema compiles on its own. */
export function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] =
      key === "$ref" && typeof value === "string" && value.startsWith("#/components/schemas/")
        ? `${SCHEMA_BASE}#/$defs/${value.slice("#/components/schemas/".length)}`
        : rebase(value);
  }
  return out;
}

/** Every `x-…` key used inside the schemas, which strict ajv must be told about. */
export function extensionKeywords(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) extensionKeywords(item, found);
  else if (typeof schema === "object" && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if (key.startsWith("x-")) found.add(key);
      extensionKeywords(value, found);
    }
  }
  return found;
}

/** Strict ajv (2020-12) with the document's component schemas registered under SCHEMA_BASE. */
export function createContractAjv(document: JsonObject): Ajv2020 {
  const schemas = asObject(asObject(document.components, "components").schemas, "components.schemas");
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats.default(ajv);
  for (const keyword of extensionKeywords(schemas)) ajv.addKeyword({ keyword });
  ajv.addSchema({ $id: SCHEMA_BASE, $defs: rebase(schemas) });
  return ajv;
}

/** A validator for one component schema, e.g. `componentValidator(ajv, "ApiKey")`. */
export function componentValidator(ajv: Ajv2020, name: string): ValidateFunction {
  const validate = ajv.getSchema(`${SCHEMA_BASE}#/$defs/${name}`);
  if (validate === undefined) throw new Error(`no component schema ${name}`);
  return validate;
}

/** The JSON body validator of one documented response, e.g. (`getApiKey`, 200); undefined when not JSON. */
export function responseValidator(
  document: JsonObject,
  ajv: Ajv2020,
  operationId: string,
  status: number,
): ValidateFunction | undefined {
  const found = operations(document).find((op) => op.operation.operationId === operationId);
  if (found === undefined) throw new Error(`no operation ${operationId}`);
  const responses = asObject(found.operation.responses, `${operationId} responses`);
  const response = asObject(resolve(document, responses[String(status)]), `${operationId} ${status}`);
  const content = response.content === undefined ? {} : asObject(response.content, "content");
  const json = content["application/json"];
  if (json === undefined) return undefined;
  return ajv.compile(asObject(rebase(asObject(json, "media type").schema), "schema"));
}
