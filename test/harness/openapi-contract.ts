// Validates real responses of the keys service against schemas/keys-api.openapi.yaml: the status must be
// one the operation documents, the body must match that response's schema (strict ajv, from the same
// loader the client's tests use), and the documented headers must be present. Any mismatch throws, so a
// test that makes a request also checks the contract.
import type { ValidateFunction } from "ajv/dist/2020.js";
import {
  asObject,
  componentValidator,
  createContractAjv,
  loadKeysApiDocument,
  operations,
  rebase,
  resolve,
} from "../../core/client/openapi-contract.ts";

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
