// GitHub's official OpenAPI description (npm @octokit/openapi, the dereferenced api.github.com file):
// every request the local server receives is checked against its operation (path, method, query,
// body), and every body the server answers is checked against the documented response.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

type Json = Record<string, unknown>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type Parameter = { name: string; in: string; required?: boolean; schema?: Json };
export type Operation = {
  method: string;
  template: string;
  operationId: string;
  pattern: RegExp;
  literalSegments: number;
  parameters: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
};

/** The parts of the description the server uses: every operation, by method. */
export type GitHubDescription = { version: string; operations: Operation[] };

/** Reads the 70 MB file once; pass the result to every server of a test file. */
export function loadGitHubDescription(): GitHubDescription {
  const require = createRequire(import.meta.url);
  const file = require.resolve("@octokit/openapi/generated/api.github.com.deref.json");
  const doc = JSON.parse(readFileSync(file, "utf8")) as {
    info: { version: string };
    paths: Record<string, Json>;
  };
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    const shared = (item.parameters as Parameter[] | undefined) ?? [];
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const operation = op as Json;
      const segments = template.split("/").filter(Boolean);
      operations.push({
        method: method.toUpperCase(),
        template,
        operationId: String(operation.operationId),
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "([^/]+)")}$`),
        literalSegments: segments.filter((s) => !s.startsWith("{")).length,
        parameters: [...shared, ...((operation.parameters as Parameter[] | undefined) ?? [])],
        requestBody: operation.requestBody as Operation["requestBody"],
        responses: (operation.responses ?? {}) as Operation["responses"],
      });
    }
  }
  // The most literal template wins: /check-runs/{id}/annotations before /{a}/{b}/{c}.
  operations.sort((a, b) => b.literalSegments - a.literalSegments);
  return { version: doc.info.version, operations };
}

// OpenAPI 3.0 dialect → JSON Schema draft 7 for ajv: `nullable` without `type`, boolean exclusive bounds.
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== "object" || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key.startsWith("x-") || key === "example" || key === "examples" || key === "discriminator") continue;
    out[key] =
      key === "properties" || key === "patternProperties" ? mapValues(value as Json) : toJsonSchema(value);
  }
  for (const bound of ["exclusiveMinimum", "exclusiveMaximum"] as const) {
    if (typeof out[bound] === "boolean") {
      const limit = bound === "exclusiveMinimum" ? "minimum" : "maximum";
      if (out[bound] === true) out[bound] = out[limit];
      else delete out[bound];
      if (out[bound] !== undefined) delete out[limit];
    }
  }
  // 3.0.3: nullable adds null to the allowed values, enum included.
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null))
    out.enum = [...out.enum, null];
  if (out.nullable === true && out.type === undefined) {
    delete out.nullable;
    return { anyOf: [out, { type: "null" }] };
  }
  return out;
}

function mapValues(record: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(record)) out[k] = toJsonSchema(v);
  return out;
}

/** Compiled validators, one ajv per server: no state shared between servers. */
export class SchemaChecker {
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, coerceTypes: false });
    addFormats(this.ajv);
  }

  /** Problems of `value` against `schema`, as text; empty when valid. `key` caches the compiled schema. */
  check(key: string, schema: Json, value: unknown): string[] {
    let validate = this.cache.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(toJsonSchema(schema) as Json);
      this.cache.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}`);
  }
}

function paramProblems(
  checker: SchemaChecker,
  op: Operation,
  path: Record<string, string>,
  query: URLSearchParams,
): string[] {
  const problems: string[] = [];
  for (const key of new Set(query.keys())) {
    if (!op.parameters.some((p) => p.in === "query" && p.name === key))
      problems.push(`query parameter ${key} is not documented`);
  }
  for (const p of op.parameters) {
    const raw =
      p.in === "path" ? path[p.name] : p.in === "query" ? (query.get(p.name) ?? undefined) : undefined;
    if (p.in !== "path" && p.in !== "query") continue;
    if (raw === undefined) {
      if (p.required) problems.push(`${p.in} parameter ${p.name} is required`);
      continue;
    }
    const type = (p.schema as { type?: string } | undefined)?.type;
    const value: unknown =
      type === "integer" || type === "number"
        ? /^-?\d+(\.\d+)?$/.test(raw)
          ? Number(raw)
          : raw
        : type === "boolean"
          ? raw === "true"
            ? true
            : raw === "false"
              ? false
              : raw
          : raw;
    if (p.schema !== undefined)
      for (const problem of checker.check(`${op.operationId}:${p.in}:${p.name}`, p.schema, value))
        problems.push(`${p.in} parameter ${p.name}: ${problem}`);
  }
  return problems;
}

function bodyProblems(checker: SchemaChecker, op: Operation, method: string, raw: string): string[] {
  const schema = op.requestBody?.content?.["application/json"]?.schema;
  if (raw === "") return op.requestBody?.required ? ["a JSON body is required"] : [];
  if (op.requestBody === undefined) return [`${method} takes no body`];
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return ["the body is not JSON"];
  }
  return schema ? checker.check(`${op.operationId}:body`, schema, body).map((p) => `body ${p}`) : [];
}

export type IncomingRequest = {
  op: Operation;
  method: string;
  path: Record<string, string>;
  query: URLSearchParams;
  raw: string;
};

/** Everything wrong with a request for its operation: parameters (path, query) and the JSON body. */
export function requestProblems(checker: SchemaChecker, request: IncomingRequest): string[] {
  return [
    ...paramProblems(checker, request.op, request.path, request.query),
    ...bodyProblems(checker, request.op, request.method, request.raw),
  ];
}
