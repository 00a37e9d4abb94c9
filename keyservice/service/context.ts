// What every service operation gets: its dependencies (one set per service instance) and the request's
// authenticated principal.
import type { Keyring } from "../keyring.ts";
import type { KeyRecord } from "../keys/key-record.ts";
import type { Database } from "../store/database.ts";
import type { KeyCache } from "./key-cache.ts";
import type { ServiceMetrics } from "./metrics.ts";
import type { UsageRecorder } from "./usage-recorder.ts";

export interface ServiceDeps {
  db: Database;
  keyring: Keyring;
  cache: KeyCache;
  usage: UsageRecorder;
  metrics: ServiceMetrics;
  now: () => number;
  replayWindowMs: number;
  flushIntervalMs: number;
}

export interface RequestContext {
  principal: KeyRecord;
  requestId: string;
  ip: string | null;
  idempotencyKey: string | undefined;
  method: string;
  path: string;
}
