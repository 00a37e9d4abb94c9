import { describe, expect, it } from "vitest";
import {
  asObject,
  componentValidator,
  createContractAjv,
  loadKeysApiDocument,
  operations,
  rebase,
  resolve,
  responseValidator,
} from "../../test/harness/openapi-contract.ts";

const document = loadKeysApiDocument();
const ajv = createContractAjv(document);
const components = asObject(document.components, "components");
const errorCodes = (document["x-error-codes"] as { code: string; status: number; type: string }[]) ?? [];

const apiKey = {
  object: "api_key",
  id: "key_0123456789abcdefghijABCD",
  name: "Production Web App",
  environment: "live",
  scopes: ["agents:read", "agents:write"],
  status: "active",
  redacted: "sk_live_abc123...GHIJ",
  created_at: "2025-01-15T09:30:00.000Z",
  updated_at: "2025-01-15T09:30:00.000Z",
  expires_at: "2025-04-15T09:30:00.000Z",
  expiring_at: null,
  last_used_at: null,
  rolled_from: null,
  replaced_by: null,
  revoked_at: null,
  revocation_reason: null,
  metadata: { team: "web" },
};
const secret = `sk_live_${"a1B2c3D4e5".repeat(5)}`;

describe("the keys API document", () => {
  it("is OpenAPI 3.1.0 with the bearer scheme applied by default", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.security).toEqual([{ bearerAuth: [] }]);
  });

  it("compiles every component schema with strict ajv 2020", () => {
    for (const name of Object.keys(asObject(components.schemas, "schemas"))) {
      expect(() => componentValidator(ajv, name), name).not.toThrow();
    }
  });

  it("compiles every inline parameter, request body and response schema", () => {
    for (const { method, path, operation, parameters } of operations(document)) {
      const where = `${method} ${path}`;
      const schemas: unknown[] = parameters.map((p) => asObject(resolve(document, p), where).schema);
      const body =
        operation.requestBody === undefined
          ? undefined
          : asObject(resolve(document, operation.requestBody), where);
      for (const media of Object.values(asObject(body?.content ?? {}, where)))
        schemas.push(asObject(media, where).schema);
      for (const response of Object.values(asObject(operation.responses, where))) {
        const content = asObject(resolve(document, response), where).content ?? {};
        for (const media of Object.values(asObject(content, where)))
          schemas.push(asObject(media, where).schema);
      }
      for (const schema of schemas)
        expect(() => ajv.compile(asObject(rebase(schema), where)), where).not.toThrow();
    }
  });

  it("gives every operation a unique operationId", () => {
    const ids = operations(document).map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents X-Request-Id on every response of every operation", () => {
    for (const { method, path, operation } of operations(document)) {
      for (const [status, response] of Object.entries(asObject(operation.responses, path))) {
        const headers = asObject(asObject(resolve(document, response), path).headers ?? {}, path);
        expect(headers["X-Request-Id"], `${method} ${path} ${status}`).toBeDefined();
      }
    }
  });

  it("documents Retry-After on every 429 and 503", () => {
    for (const { path, operation } of operations(document)) {
      for (const status of ["429", "503"]) {
        const response = asObject(operation.responses, path)[status];
        if (response === undefined) continue;
        const headers = asObject(asObject(resolve(document, response), path).headers ?? {}, path);
        expect(headers["Retry-After"], `${path} ${status}`).toBeDefined();
      }
    }
  });

  it("lists every error code once, matching the Error schema's enums and the description's table", () => {
    const codes = errorCodes.map((entry) => entry.code);
    expect(codes.length).toBe(37);
    expect(new Set(codes).size).toBe(codes.length);
    const schemas = asObject(components.schemas, "schemas");
    expect(asObject(schemas.ErrorCode, "ErrorCode").enum).toEqual(codes);
    const types = asObject(schemas.ErrorType, "ErrorType").enum as string[];
    const description = String(asObject(document.info, "info").description);
    for (const { code, status, type } of errorCodes) {
      expect(types, code).toContain(type);
      expect(description, code).toContain(`| ${code} | ${status} | ${type} |`);
    }
  });

  it("has each operation declare a response for the status of every code it names", () => {
    const statusOf = new Map(errorCodes.map((entry) => [entry.code, entry.status]));
    for (const { path, operation } of operations(document)) {
      const responses = asObject(operation.responses, path);
      for (const code of operation["x-errors"] as string[]) {
        const status = statusOf.get(code);
        expect(status, `${path}: ${code}`).toBeDefined();
        expect(responses[String(status)], `${path}: ${code} → ${status}`).toBeDefined();
      }
    }
  });

  it("asks for an Idempotency-Key on every POST of the keys API", () => {
    for (const { method, path, parameters } of operations(document)) {
      // Signing in to the dashboard (POST /session) makes a new session each time: nothing to replay.
      if (method !== "post" || !path.startsWith("/v1/")) continue;
      const names = parameters.map((p) => asObject(resolve(document, p), path).name);
      expect(names, path).toContain("Idempotency-Key");
    }
  });
});

describe("the document's schemas, applied to sample bodies", () => {
  it.each([
    { name: "accepts a key", schema: "ApiKey", body: apiKey, valid: true },
    { name: "rejects a key with a secret", schema: "ApiKey", body: { ...apiKey, secret }, valid: false },
    {
      name: "rejects a key missing a nullable field",
      schema: "ApiKey",
      body: { ...apiKey, revoked_at: undefined },
      valid: false,
    },
    {
      name: "accepts a key with its secret",
      schema: "ApiKeyWithSecret",
      body: { ...apiKey, secret },
      valid: true,
    },
    { name: "requires the secret on create", schema: "ApiKeyWithSecret", body: apiKey, valid: false },
    {
      name: "rejects a short secret",
      schema: "ApiKeyWithSecret",
      body: { ...apiKey, secret: "sk_live_abc" },
      valid: false,
    },
    {
      name: "accepts an inactive introspection",
      schema: "Introspection",
      body: { active: false },
      valid: true,
    },
    {
      name: "never says why a key is inactive",
      schema: "Introspection",
      body: { active: false, reason: "revoked" },
      valid: false,
    },
    {
      name: "rejects an unknown create field",
      schema: "CreateApiKeyRequest",
      body: { name: "n", environment: "live", scopes: ["admin:full"], owner: "x" },
      valid: false,
    },
    {
      name: "rejects an empty scope list",
      schema: "CreateApiKeyRequest",
      body: { name: "n", environment: "live", scopes: [] },
      valid: false,
    },
    {
      name: "rejects a twenty-first metadata key",
      schema: "Metadata",
      body: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])),
      valid: false,
    },
    {
      name: "rejects scopes on an update",
      schema: "UpdateApiKeyRequest",
      body: { scopes: ["agents:read"] },
      valid: false,
    },
    {
      name: "caps the grace period at a year",
      schema: "RollApiKeyRequest",
      body: { grace_period_seconds: 31_536_001 },
      valid: false,
    },
    {
      name: "accepts an error body",
      schema: "Error",
      body: {
        error: {
          type: "not_found_error",
          code: "resource_missing",
          message: "No such key",
          request_id: "req_0123456789abcdefghijABCD",
        },
      },
      valid: true,
    },
    {
      name: "rejects an undocumented error code",
      schema: "Error",
      body: {
        error: { type: "api_error", code: "oops", message: "x", request_id: "req_0123456789abcdefghijABCD" },
      },
      valid: false,
    },
  ])("$name", ({ schema, body, valid }) => {
    expect(componentValidator(ajv, schema)(body)).toBe(valid);
  });

  it("validates a list response through the operation's documented 200", () => {
    const validate = responseValidator(document, ajv, "listApiKeys", 200);
    expect(validate?.({ object: "list", data: [apiKey], has_more: false, next_cursor: null })).toBe(true);
    expect(validate?.({ object: "list", data: [apiKey], has_more: true })).toBe(false);
  });
});
