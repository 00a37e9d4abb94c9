// The keys service for tests: the real server (HTTP, store, keyring) in this process, on SQLite or on the
// run's PostgreSQL, with a clock tests can move, logs captured for the canary checks, and a caller that
// validates every response against the OpenAPI document.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Writable } from "node:stream";
import pg from "pg";
import pino from "pino";
import { inject } from "vitest";
import {
  type KeyServiceOptions,
  type RunningKeyService,
  startKeyService,
} from "../../keyservice/key-service.ts";
import { type CheckedResponse, checkResponse } from "./openapi-contract.ts";
import { makeTempDir, removeTempDir } from "./temp-dirs.ts";

export type Store = "sqlite" | "postgres";
export const STORES: Store[] = ["sqlite", "postgres"];

export class TestClock {
  offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface TestKeyService {
  service: RunningKeyService;
  url: string;
  adminKey: string;
  clock: TestClock;
  /** Everything the service logged and showed, for canary scans. */
  logs: string[];
  shown: string[];
  database: string;
  dataDir: string;
  call: ApiCaller;
  restart(overrides?: Partial<KeyServiceOptions>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every field a keys-API response body may have, for reading in tests. The caller has already checked the
 * body against the OpenAPI document, so the fields a test reads are the ones its operation returns.
 */
export interface ApiBody {
  object: string;
  id: string;
  secret: string;
  name: string;
  environment: string;
  scopes: string[];
  status: string;
  redacted: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  expiring_at: string | null;
  last_used_at: string | null;
  rolled_from: string | null;
  replaced_by: string | null;
  revoked_at: string | null;
  revocation_reason: string | null;
  metadata: Record<string, string>;
  active: boolean;
  data: ApiBody[];
  has_more: boolean;
  next_cursor: string | null;
  hourly: { hour: string; count: number }[];
  flush_interval_seconds: number;
  action: string;
  request_id: string;
  actor_key_id: string | null;
  target_key_id: string | null;
  error: { type: string; code: string; message: string; param?: string; request_id: string };
}

export type ApiCaller = (
  method: string,
  path: string,
  options?: { key?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> },
) => Promise<CheckedResponse & { body: ApiBody }>;

export function makeCaller(getUrl: () => string): ApiCaller {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
    let body: string | Buffer | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${getUrl()}${path}`, { method, headers, body });
    const text = await res.text();
    const parsed = (res.headers.get("content-type") ?? "").includes("json") && text ? JSON.parse(text) : text;
    const response = { status: res.status, headers: res.headers, body: parsed };
    checkResponse(method, path.split("?")[0] ?? path, response);
    return response;
  };
}

async function databaseFor(store: Store, dataDir: string): Promise<string> {
  if (store === "sqlite") return `sqlite:${join(dataDir, "keys.db")}`;
  const name = `keys_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: inject("postgresUrl") });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return inject("postgresUrl").replace(/\/postgres$/, `/${name}`);
}

export async function startTestKeyService(
  store: Store,
  overrides: Partial<KeyServiceOptions> = {},
): Promise<TestKeyService> {
  const dataDir = await makeTempDir("ayra-keys-ks-");
  const database = await databaseFor(store, dataDir);
  const clock = new TestClock();
  const logs: string[] = [];
  const shown: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const options = (): KeyServiceOptions => ({
    database,
    dataDir,
    port: 0,
    now: clock.now,
    logger: pino({ level: "debug" }, sink),
    show: (text) => shown.push(text),
    flushIntervalMs: 200,
    sweepIntervalMs: 100,
    rateLimitPerSecond: 10_000,
    failedAuthPerMinute: 10_000,
    ...overrides,
  });
  let service = await startKeyService(options());
  const adminKey = /sk_live_[A-Za-z0-9]{50}/.exec(shown.join("\n"))?.[0];
  if (!adminKey) throw new Error("the service showed no bootstrap key");
  const handle: TestKeyService = {
    get service() {
      return service;
    },
    get url() {
      return service.url;
    },
    adminKey,
    clock,
    logs,
    shown,
    database,
    dataDir,
    call: makeCaller(() => service.url),
    async restart(more = {}) {
      await service.close();
      service = await startKeyService({ ...options(), ...more });
    },
    async close() {
      await service.close();
      await removeTempDir(dataDir);
    },
  };
  return handle;
}

/** Creates a key through the API and returns its id and value. */
export async function createKey(
  ks: TestKeyService,
  body: Record<string, unknown>,
  key = ks.adminKey,
): Promise<{ id: string; secret: string; body: ApiBody }> {
  const res = await ks.call("POST", "/v1/api_keys", { key, body });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, secret: res.body.secret, body: res.body };
}
