// Validates real responses of the keys service against schemas/keys-api.openapi.yaml: the status must be
// one the operation documents, the body must match that response's schema, and the documented headers
// must be present. Any mismatch throws, so a test that makes a request also checks the contract.
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

type Json = Record<string, unknown>;

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const doc = parse(
  readFileSync(new URL("../../schemas/keys-api.openapi.yaml", import.meta.url), "utf8"),
) as Json;

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(node as Json)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/"))
        out[k] = `keys-api#/$defs/${v.slice("#/components/schemas/".length)}`;
      else if (
        k.startsWith("x-") ||
        k === "example" ||
        k === "examples" ||
        k === "discriminator" ||
        k === "xml"
      )
        continue;
      else out[k] = rewriteRefs(v);
    }
    return out;
  }
  return node;
}

function resolve(node: unknown): Json {
  let current = node as Json;
  while (current && typeof current.$ref === "string" && current.$ref.startsWith("#/")) {
    current = current.$ref
      .slice(2)
      .split("/")
      .reduce<unknown>(
        (acc, part) => (acc as Json)[part.replace(/~1/g, "/").replace(/~0/g, "~")],
        doc,
      ) as Json;
  }
  return current;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: "keys-api", $defs: rewriteRefs((doc.components as Json).schemas) as Json });

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  op: Json;
}

const operations: Operation[] = [];
for (const [template, item] of Object.entries(doc.paths as Json)) {
  for (const [method, op] of Object.entries(item as Json)) {
    if (!["get", "post", "patch", "put", "delete"].includes(method)) continue;
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    operations.push({ method: method.toUpperCase(), template, pattern, op: op as Json });
  }
}
// Literal paths win over templated ones (/v1/api_keys/introspect vs /v1/api_keys/{id}).
operations.sort((a, b) => Number(a.template.includes("{")) - Number(b.template.includes("{")));

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

/** Checks one response; returns which documented operation and status it matched. */
export function checkResponse(
  method: string,
  path: string,
  response: CheckedResponse,
): { operation: string } {
  const operation = operations.find((o) => o.method === method && o.pattern.test(path));
  if (!operation) {
    // Outside the document's operations only the two routing errors may answer, in the Error shape.
    const code = (response.body as { error?: { code?: string } } | undefined)?.error?.code;
    const expected = operations.some((o) => o.pattern.test(path))
      ? [405, "method_not_allowed"]
      : [404, "route_not_found"];
    if (response.status !== expected[0] || code !== expected[1])
      throw new ContractViolation(
        `${method} ${path} is not an operation; expected ${expected.join(" ")}, got ${response.status} ${code}`,
      );
    const validate = ajv.getSchema("keys-api#/$defs/Error");
    if (!validate?.(response.body))
      throw new ContractViolation(`${method} ${path}: error body does not match Error`);
    return { operation: "none" };
  }
  const responses = operation.op.responses as Json;
  const documented =
    responses[String(response.status)] ?? responses[`${String(response.status)[0]}XX`] ?? responses.default;
  if (!documented)
    throw new ContractViolation(
      `${method} ${operation.template} answered ${response.status}, which the document does not list`,
    );
  const resolved = resolve(documented);
  const content = resolved.content as Json | undefined;
  const media = (content?.["application/json"] ??
    content?.["text/plain"] ??
    content?.["text/plain; version=0.0.4"]) as Json | undefined;
  if (content?.["application/json"] && media?.schema) {
    const key = `${method} ${operation.template} ${response.status}`;
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile(rewriteRefs(media.schema) as Json);
      validators.set(key, validate);
    }
    if (!validate(response.body)) {
      throw new ContractViolation(
        `${key}: body does not match the document: ${ajv.errorsText(validate.errors, { separator: "; " })}`,
      );
    }
  }
  for (const [name, header] of Object.entries((resolved.headers as Json | undefined) ?? {})) {
    const h = resolve(header);
    if (h.required === true && !response.headers.has(name))
      throw new ContractViolation(
        `${method} ${operation.template} ${response.status}: header ${name} is required but missing`,
      );
  }
  if (!response.headers.has("x-request-id"))
    throw new ContractViolation(`${method} ${operation.template} ${response.status}: X-Request-Id missing`);
  return { operation: String(operation.op.operationId) };
}

/** Every error code the document lists, with its status. */
export function documentedErrorCodes(): Map<string, number> {
  const list = (doc.info as Json)["x-error-codes"] ?? doc["x-error-codes"];
  return new Map((list as { code: string; status: number }[]).map((e) => [e.code, e.status]));
}
