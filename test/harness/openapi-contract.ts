// Validates real responses of the keys service against schemas/keys-api.openapi.yaml: the status must be
// one the operation documents, the body must match that response's schema (strict ajv), and the documented headers must be present. Any mismatch throws, so a
// test that makes a request also checks the contract.
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

// The loader: schemas/keys-api.openapi.yaml with its schemas compiled by ajv, so tests on both sides of the
// contract (the client's, the keys service's) validate real responses against the one document.

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

// ── checking a live response ─────────────────────────────────────────────────────────────────────────────

const doc = loadKeysApiDocument();
const ajv = createContractAjv(doc);
const errorBody = componentValidator(ajv, "Error");

const documented = operations(doc)
  .map((o) => ({
    method: o.method.toUpperCase(),
    template: o.path,
    pattern: new RegExp(`^${o.path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    op: o.operation,
  }))
  // Literal paths win over templated ones (/v1/api_keys/introspect vs /v1/api_keys/{id}).
  .sort((a, b) => Number(a.template.includes("{")) - Number(b.template.includes("{")));

const validators = new Map<string, ValidateFunction>();

export class ContractViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContractViolation";
  }
}

export interface CheckedResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Checks one response; returns which documented operation it matched. */
export function checkResponse(
  method: string,
  path: string,
  response: CheckedResponse,
): { operation: string } {
  const operation = documented.find((o) => o.method === method && o.pattern.test(path));
  if (!operation) {
    // Outside the document's operations only the two routing errors may answer, in the Error shape.
    const code = (response.body as { error?: { code?: string } } | undefined)?.error?.code;
    const expected = documented.some((o) => o.pattern.test(path))
      ? [405, "method_not_allowed"]
      : [404, "route_not_found"];
    if (response.status !== expected[0] || code !== expected[1])
      throw new ContractViolation(
        `${method} ${path} is not an operation; expected ${expected.join(" ")}, got ${response.status} ${code}`,
      );
    if (!errorBody(response.body))
      throw new ContractViolation(`${method} ${path}: error body does not match Error`);
    return { operation: "none" };
  }
  const responses = asObject(operation.op.responses, "responses");
  const listed = responses[String(response.status)] ?? responses.default;
  if (!listed)
    throw new ContractViolation(
      `${method} ${operation.template} answered ${response.status}, which the document does not list`,
    );
  const resolved = asObject(resolve(doc, listed), "response");
  const json = (resolved.content as Record<string, { schema?: unknown }> | undefined)?.["application/json"];
  if (json?.schema) {
    const key = `${method} ${operation.template} ${response.status}`;
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile(asObject(rebase(json.schema), "schema"));
      validators.set(key, validate);
    }
    if (!validate(response.body))
      throw new ContractViolation(
        `${key}: body does not match the document: ${ajv.errorsText(validate.errors, { separator: "; " })}`,
      );
  }
  for (const [name, header] of Object.entries(
    (resolved.headers as Record<string, unknown> | undefined) ?? {},
  )) {
    if (asObject(resolve(doc, header), name).required === true && !response.headers.has(name))
      throw new ContractViolation(
        `${method} ${operation.template} ${response.status}: header ${name} is required but missing`,
      );
  }
  if (!response.headers.has("x-request-id"))
    throw new ContractViolation(`${method} ${operation.template} ${response.status}: X-Request-Id missing`);
  return { operation: String(operation.op.operationId) };
}
