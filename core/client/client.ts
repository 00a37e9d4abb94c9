import { withIdempotency } from "./idempotency.ts";
import { type KeysClientOptions, resolveOptions } from "./options.ts";
import { paginate } from "./paginate.ts";
import { encodeQuery } from "./query.ts";
import { createTransport, type KeysRequest } from "./request.ts";
import { withRetry } from "./retry.ts";
import type {
  ApiKey,
  ApiKeyUsage,
  ApiKeyWithSecret,
  AuditEvent,
  CreateApiKeyRequest,
  Introspection,
  ListApiKeysQuery,
  ListAuditEventsQuery,
  ListPage,
  RevokeApiKeyRequest,
  RollApiKeyRequest,
  UpdateApiKeyRequest,
  UsageQuery,
} from "./types.ts";

export interface CallOptions {
  /** Aborts the call, retries and waits included; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface PostOptions extends CallOptions {
  /** Reuse one recorded before the call to recover its result after a crash; default a fresh UUID. */
  idempotencyKey?: string;
}

export interface IntrospectOptions extends PostOptions {
  /**
   * False for a check by whoever holds the key (a controller verifying the key it wrote): the keys service
   * then neither counts it as a use nor, for a revoked key, as an attempt. Default true.
   */
  recordUse?: boolean;
}

/** The keys API (schemas/keys-api.openapi.yaml), one method per operation plus cursor-following iterators. */
export interface KeysClient {
  createKey(body: CreateApiKeyRequest, options?: PostOptions): Promise<ApiKeyWithSecret>;
  listKeys(query?: ListApiKeysQuery, options?: CallOptions): Promise<ListPage<ApiKey>>;
  listAllKeys(
    query?: Omit<ListApiKeysQuery, "starting_after">,
    options?: CallOptions,
  ): AsyncGenerator<ApiKey>;
  getKey(id: string, options?: CallOptions): Promise<ApiKey>;
  updateKey(id: string, body: UpdateApiKeyRequest, options?: CallOptions): Promise<ApiKey>;
  rollKey(id: string, body?: RollApiKeyRequest, options?: PostOptions): Promise<ApiKeyWithSecret>;
  revokeKey(id: string, body: RevokeApiKeyRequest, options?: PostOptions): Promise<ApiKey>;
  getUsage(id: string, query?: UsageQuery, options?: CallOptions): Promise<ApiKeyUsage>;
  introspect(key: string, options?: IntrospectOptions): Promise<Introspection>;
  listAuditEvents(query?: ListAuditEventsQuery, options?: CallOptions): Promise<ListPage<AuditEvent>>;
  listAllAuditEvents(
    query?: Omit<ListAuditEventsQuery, "starting_after">,
    options?: CallOptions,
  ): AsyncGenerator<AuditEvent>;
}

/**
 * A client for the keys API. Behaviour is layered like octokit plugins — one attempt (request.ts), retries
 * around it (retry.ts), an Idempotency-Key chosen once outside both (idempotency.ts) — and every piece of state
 * lives in this closure, so two clients never share settings.
 */
export function createKeysClient(options: KeysClientOptions): KeysClient {
  const config = resolveOptions(options);
  const send = withIdempotency(withRetry(createTransport(config), config), config.generateIdempotencyKey);
  // The trust boundary: responses are taken as the documented shapes (the contract tests check the server).
  // The key is checked before the call is sent: a bad one is a caller's error, not a network failure to retry.
  const call = async <T>(request: KeysRequest): Promise<T> => {
    config.readApiKey();
    return (await send(request)) as T;
  };

  const client: KeysClient = {
    createKey: async (body, { signal, idempotencyKey } = {}) =>
      call({
        operation: "createApiKey",
        method: "POST",
        path: "/v1/api_keys",
        body,
        signal,
        idempotencyKey,
      }),
    listKeys: async (query = {}, { signal } = {}) =>
      call({
        operation: "listApiKeys",
        method: "GET",
        path: "/v1/api_keys",
        query: encodeQuery({ ...query }),
        signal,
      }),
    listAllKeys: (query = {}, options = {}) =>
      paginate((starting_after) => client.listKeys({ ...query, starting_after }, options)),
    getKey: async (id, { signal } = {}) =>
      call({ operation: "getApiKey", method: "GET", path: keyPath(id), signal }),
    updateKey: async (id, body, { signal } = {}) =>
      call({ operation: "updateApiKey", method: "PATCH", path: keyPath(id), body, signal }),
    rollKey: async (id, body = {}, { signal, idempotencyKey } = {}) =>
      call({
        operation: "rollApiKey",
        method: "POST",
        path: `${keyPath(id)}/roll`,
        body,
        signal,
        idempotencyKey,
      }),
    revokeKey: async (id, body, { signal, idempotencyKey } = {}) =>
      call({
        operation: "revokeApiKey",
        method: "POST",
        path: `${keyPath(id)}/revoke`,
        body,
        signal,
        idempotencyKey,
      }),
    getUsage: async (id, query = {}, { signal } = {}) =>
      call({
        operation: "getApiKeyUsage",
        method: "GET",
        path: `${keyPath(id)}/usage`,
        query: encodeQuery({ ...query }),
        signal,
      }),
    // The key travels in the body only: never in a URL, and errors never carry a body.
    // record_use is sent only when false, so a default introspection reads the same to any server.
    introspect: async (value, { signal, idempotencyKey, recordUse } = {}) =>
      call({
        operation: "introspectApiKey",
        method: "POST",
        path: "/v1/api_keys/introspect",
        body: recordUse === false ? { key: value, record_use: false } : { key: value },
        signal,
        idempotencyKey,
      }),
    listAuditEvents: async (query = {}, { signal } = {}) =>
      call({
        operation: "listAuditEvents",
        method: "GET",
        path: "/v1/audit_events",
        query: encodeQuery({ ...query }),
        signal,
      }),
    listAllAuditEvents: (query = {}, options = {}) =>
      paginate((starting_after) => client.listAuditEvents({ ...query, starting_after }, options)),
  };
  return Object.freeze(client);
}

// An empty id would turn GET /v1/api_keys/{id} into the list endpoint; refuse it before sending.
function keyPath(id: string): string {
  if (typeof id !== "string" || id === "") throw new TypeError("a key id is required");
  return `/v1/api_keys/${encodeURIComponent(id)}`;
}
