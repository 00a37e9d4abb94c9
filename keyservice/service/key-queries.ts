// Reads: one key, a page of keys, a key's usage, the audit log. Lists first bring stored status up to the
// clock (see sweeper.ts) so `updated_after` sees every deadline that has passed.
import type { Environment } from "../../core/domain/index.ts";
import { type KeyStatus, toApiKey } from "../keys/key-record.ts";
import { listKeys } from "../keys/key-repository.ts";
import type { SqlValue } from "../store/database.ts";
import { auditEventToApi } from "./audit-log.ts";
import { canSeeEnvironment, requireEnvironment, requireRead, visibleKey } from "./authorize.ts";
import type { RequestContext, ServiceDeps } from "./context.ts";
import { refusedAttemptsOf } from "./refused-keys.ts";
import { applyDeadlines } from "./sweeper.ts";

/** Where a page ended: the sort time and id of its last item. */
export interface Position {
  time: number;
  id: string;
}

export interface Page {
  data: Record<string, unknown>[];
  hasMore: boolean;
  last: Position | null;
}

export interface KeyListQuery {
  limit: number;
  environment?: Environment;
  status?: KeyStatus;
  name?: string;
  updatedAfter?: number;
  metadata: Record<string, string>;
  after?: Position;
}

export interface AuditListQuery {
  limit: number;
  keyId?: string;
  action?: string;
  /** Events created at or after this instant (ms). */
  createdAfter?: number;
  after?: Position;
}

export interface UsageQuery {
  since?: number;
  until?: number;
}

export async function getOneKey(
  deps: ServiceDeps,
  ctx: RequestContext,
  id: string,
): Promise<Record<string, unknown>> {
  requireRead(ctx.principal);
  const key = await visibleKey(deps.db, ctx.principal, id);
  return toApiKey(key, deps.now());
}

export async function listKeyPage(
  deps: ServiceDeps,
  ctx: RequestContext,
  query: KeyListQuery,
): Promise<Page> {
  requireRead(ctx.principal);
  if (query.environment !== undefined) requireEnvironment(ctx.principal, query.environment);
  // A test key lists test keys only: the filter is forced, not an error, when none is given.
  const environment =
    query.environment ?? (canSeeEnvironment(ctx.principal, "live") ? undefined : ("test" as const));

  await applyDeadlines(deps);
  const now = deps.now();
  const page = await listKeys(deps.db, {
    environment,
    status: query.status,
    name: query.name,
    metadata: query.metadata,
    updatedAfter: query.updatedAfter,
    after: query.after,
    limit: query.limit,
  });
  const last = page.records.at(-1);
  return {
    data: page.records.map((r) => toApiKey(r, now)),
    hasMore: page.hasMore,
    last: last
      ? { time: query.updatedAfter !== undefined ? last.updatedAt : last.createdAt, id: last.id }
      : null,
  };
}

export async function keyUsage(
  deps: ServiceDeps,
  ctx: RequestContext,
  id: string,
  query: UsageQuery,
): Promise<Record<string, unknown>> {
  requireRead(ctx.principal);
  const key = await visibleKey(deps.db, ctx.principal, id);
  const now = deps.now();
  const since = query.since ?? now - 7 * 86_400_000;
  const until = query.until ?? now;
  const rows = await deps.db.query(
    "SELECT hour, count FROM usage_hourly WHERE key_id = $1 AND hour >= $2 AND hour <= $3 ORDER BY hour",
    [id, since - (since % 3_600_000), until],
  );
  const refused = await refusedAttemptsOf(deps.db, id);
  return {
    object: "api_key_usage",
    id,
    last_used_at: key.lastUsedAt === null ? null : new Date(key.lastUsedAt).toISOString(),
    revoked_attempts: refused.count,
    last_revoked_attempt_at: refused.lastAt === null ? null : new Date(refused.lastAt).toISOString(),
    flush_interval_seconds: deps.flushIntervalMs / 1000,
    hourly: rows.map((r) => ({ hour: new Date(Number(r.hour)).toISOString(), count: Number(r.count) })),
  };
}

export async function listAuditPage(
  deps: ServiceDeps,
  ctx: RequestContext,
  query: AuditListQuery,
): Promise<Page> {
  requireRead(ctx.principal);
  const { limit, keyId, action, createdAfter, after } = query;
  // A test key sees the events of test keys only, and not who caused them when that was a live key.
  const testOnly = !canSeeEnvironment(ctx.principal, "live");
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (keyId !== undefined) {
    params.push(keyId);
    where.push(`e.target_key_id = $${params.length}`);
  }
  if (action !== undefined) {
    params.push(action);
    where.push(`e.action = $${params.length}`);
  }
  if (createdAfter !== undefined) {
    params.push(createdAfter);
    where.push(`e.created_at >= $${params.length}`);
  }
  if (testOnly) where.push("target.environment = 'test'");
  if (after) {
    params.push(after.time, after.id);
    where.push(
      `(e.created_at > $${params.length - 1} OR (e.created_at = $${params.length - 1} AND e.id > $${params.length}))`,
    );
  }
  params.push(limit + 1);
  const joins = testOnly
    ? " JOIN api_keys target ON target.id = e.target_key_id LEFT JOIN api_keys actor ON actor.id = e.actor_key_id"
    : "";
  const rows = await deps.db.query(
    "SELECT e.id, e.created_at, e.actor_key_id, e.action, e.target_key_id, e.request_id, e.ip, e.details" +
      `${testOnly ? ", actor.environment AS actor_environment" : ""} FROM audit_events e${joins}` +
      `${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY e.created_at, e.id LIMIT $${params.length}`,
    params,
  );
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map((row) =>
      auditEventToApi(
        testOnly && row.actor_key_id != null && row.actor_environment !== "test"
          ? { ...row, actor_key_id: null, request_id: null, ip: null }
          : row,
      ),
    ),
    hasMore,
    last: last ? { time: Number(last.created_at), id: String(last.id) } : null,
  };
}
