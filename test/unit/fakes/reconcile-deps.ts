// Fake dependencies for unit tests of gather and act: an in-memory Kubernetes API and keys API that record
// every call (verb, path or operation, and whether it carried the reconcile's AbortSignal).
import { pino } from "pino";
import { KeyFacts } from "../../../controller/keys/key-facts.ts";
import { KubeApiError } from "../../../controller/kube/rest.ts";
import type { KubeObject, SecretObject } from "../../../controller/kube/types.ts";
import { createControllerMetrics } from "../../../controller/metrics.ts";
import type { Cache, ReconcileDeps } from "../../../controller/reconcile/deps.ts";
import { LatestWrites } from "../../../controller/reconcile/latest.ts";
import type { ApiKeyObject } from "../../../controller/reconcile/objects.ts";
import { Refusals } from "../../../controller/reconcile/refusals.ts";
import { SecretIndex } from "../../../controller/reconcile/secret-index.ts";
import type { KeysClient } from "../../../core/client/client.ts";
import type { KeysApiError } from "../../../core/client/errors.ts";
import type { ApiKey, ApiKeyWithSecret } from "../../../core/client/types.ts";

export interface Call {
  what: string;
  signal: boolean;
  body?: unknown;
  idempotencyKey?: string;
}

class MapCache<T extends KubeObject> implements Cache<T> {
  readonly items = new Map<string, T>();
  get(key: string) {
    return this.items.get(key);
  }
  list() {
    return [...this.items.values()];
  }
}

export const T0 = Date.parse("2026-03-01T00:00:00Z");
let seq = 0;

export function apiKeyRecord(patch: Partial<ApiKeyWithSecret> = {}): ApiKeyWithSecret {
  seq++;
  const secret = `sk_test_${String(seq).padStart(4, "0")}abcdefghijklmnopqrstuvwxyz0123456789ABCD`;
  return {
    object: "api_key",
    id: `key_${seq}`,
    name: "Web",
    environment: "test",
    scopes: ["agents:read"],
    status: "active",
    redacted: `${secret.slice(0, 14)}...${secret.slice(-4)}`,
    created_at: new Date(T0).toISOString(),
    updated_at: new Date(T0).toISOString(),
    expires_at: null,
    expiring_at: null,
    last_used_at: null,
    rolled_from: null,
    replaced_by: null,
    revoked_at: null,
    revocation_reason: null,
    metadata: {},
    secret,
    ...patch,
  };
}

export function fakeDeps(options: { now?: number } = {}) {
  const calls: Call[] = [];
  const objects = new Map<string, KubeObject>();
  const minted: ApiKeyWithSecret[] = [];
  const refuse = { create: undefined as KeysApiError | undefined };
  const record = (what: string, signal: AbortSignal | undefined, extra: Partial<Call> = {}) =>
    calls.push({ what, signal: signal !== undefined, ...extra });
  let rv = 1;
  const store = <T>(path: string, body: unknown): T => {
    const obj = { ...(body as KubeObject) };
    obj.metadata = { ...obj.metadata, resourceVersion: String(++rv) };
    objects.set(path, obj);
    return obj as T;
  };
  const rest: ReconcileDeps["rest"] = {
    get: async <T>(path: string, _q?: unknown, o: { signal?: AbortSignal } = {}) => {
      record(`GET ${path}`, o.signal);
      const found = objects.get(path);
      if (found === undefined) throw new KubeApiError(404, "NotFound", `${path} not found`);
      return found as T;
    },
    create: async <T>(path: string, body: unknown, o: { signal?: AbortSignal } = {}) => {
      record(`POST ${path}`, o.signal, { body });
      const name = (body as KubeObject).metadata.name;
      return store<T>(`${path}/${name}`, body);
    },
    replace: async <T>(path: string, body: unknown, o: { signal?: AbortSignal } = {}) => {
      record(`PUT ${path}`, o.signal, { body });
      return store<T>(path, body);
    },
    mergePatch: async <T>(path: string, body: unknown, o: { signal?: AbortSignal } = {}) => {
      record(`PATCH ${path}`, o.signal, { body });
      return store<T>(path, body);
    },
    strategicPatch: async <T>(path: string, body: unknown, o: { signal?: AbortSignal } = {}) => {
      record(`PATCH ${path}`, o.signal, { body });
      return store<T>(path, body);
    },
  };
  const notUsed = (name: string) => () => {
    throw new Error(`${name} is not expected in this test`);
  };
  const keys: KeysClient = {
    createKey: async (body, o = {}) => {
      record("createKey", o.signal, {
        body,
        ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
      });
      if (refuse.create) throw refuse.create;
      const key = apiKeyRecord({
        name: body.name,
        environment: body.environment,
        scopes: [...body.scopes],
        expires_at: body.expires_at ?? null,
        metadata: body.metadata ?? {},
      });
      minted.push(key);
      return key;
    },
    rollKey: async (id, body = {}, o = {}) => {
      record(`rollKey ${id}`, o.signal, {
        body,
        ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
      });
      const key = apiKeyRecord({ rolled_from: id, scopes: [...(body.scopes ?? [])] });
      minted.push(key);
      return key;
    },
    revokeKey: async (id, _body, o = {}): Promise<ApiKey> => {
      record(`revokeKey ${id}`, o.signal);
      return { ...apiKeyRecord({ id }), status: "revoked" };
    },
    updateKey: async (id, body, o = {}) => {
      record(`updateKey ${id}`, o.signal, { body });
      return apiKeyRecord({ id, ...body });
    },
    getKey: notUsed("getKey"),
    listKeys: notUsed("listKeys"),
    listAllKeys: notUsed("listAllKeys"),
    getUsage: notUsed("getUsage"),
    introspect: notUsed("introspect"),
    listAuditEvents: notUsed("listAuditEvents"),
    listAllAuditEvents: notUsed("listAllAuditEvents"),
  };
  const events: { type: string; reason: string; message: string }[] = [];
  const now = options.now ?? T0;
  const facts = new KeyFacts();
  facts.complete = true;
  const apiKeys = new MapCache<ApiKeyObject>();
  const deps: ReconcileDeps = {
    rest,
    keys,
    facts,
    apiKeys,
    secrets: new MapCache<SecretObject>(),
    policies: new MapCache(),
    namespaces: new MapCache(),
    secretIndex: new SecretIndex(),
    latestApiKeys: new LatestWrites<ApiKeyObject>(() => now),
    latestSecrets: new LatestWrites<SecretObject>(() => now),
    events: { record: (_t, type, reason, message) => events.push({ type, reason, message }) },
    metrics: createControllerMetrics(),
    logger: pino({ level: "silent" }),
    timers: { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined },
    refusals: new Refusals(),
    unanswered: new Map(),
    clusterId: "c1",
  };
  return { deps, apiKeys, calls, objects, minted, events, refuse };
}

export function apiKeyObject(
  name: string,
  spec: Record<string, unknown>,
  patch: Partial<ApiKeyObject> = {},
): ApiKeyObject {
  return {
    apiVersion: "keys.ayra.ai/v1alpha1",
    kind: "ApiKey",
    metadata: { name, namespace: "team-a", uid: `uid-${name}`, generation: 1, resourceVersion: "1" },
    spec,
    ...patch,
  };
}
