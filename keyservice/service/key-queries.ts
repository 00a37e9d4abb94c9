// Reads: one key, a page of keys, a key's usage, the audit log. Lists first bring stored status up to the
// clock (see sweeper.ts) so `updated_after` sees every deadline that has passed.
import { isEnvironment } from "../../core/domain/index.ts";
import { ApiError } from "../http/api-error.ts";
import { decodeCursor, encodeCursor } from "../http/cursor.ts";
import { type KeyStatus, toApiKey } from "../keys/key-record.ts";
import { listKeys } from "../keys/key-repository.ts";
import type { SqlValue } from "../store/database.ts";
import { auditEventToApi } from "./audit-log.ts";
import { canSeeEnvironment, requireEnvironment, requireRead, visibleKey } from "./authorize.ts";
import type { RequestContext, ServiceDeps } from "./context.ts";
import { applyDeadlines } from "./sweeper.ts";

const STATUSES: readonly KeyStatus[] = ["active", "expiring", "expired", "revoked"];

export function parseLimit(value: string | null): number {
  if (value === null) return 20;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100)
    throw new ApiError("invalid_limit", "limit must be an integer from 1 to 100.", { param: "limit" });
  return n;
}

function parseTimeFilter(value: string, param: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(ms))
    throw new ApiError("invalid_filter", `${param} must be an RFC 3339 date-time.`, { param });
  return ms;
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
  query: URLSearchParams,
): Promise<Record<string, unknown>> {
  requireRead(ctx.principal);
  const limit = parseLimit(query.get("limit"));
  const environment = query.get("environment") ?? undefined;
  if (environment !== undefined && !isEnvironment(environment))
    throw new ApiError("invalid_filter", 'environment must be "live" or "test".', { param: "environment" });
  if (environment !== undefined) requireEnvironment(ctx.principal, environment);
  const status = query.get("status") ?? undefined;
  if (status !== undefined && !STATUSES.includes(status as KeyStatus))
    throw new ApiError("invalid_filter", `status must be one of ${STATUSES.join(", ")}.`, {
      param: "status",
    });
  const name = query.get("name") ?? undefined;
  const updatedAfterText = query.get("updated_after");
  const updatedAfter =
    updatedAfterText === null ? undefined : parseTimeFilter(updatedAfterText, "updated_after");
  const metadata: Record<string, string> = {};
  for (const [k, v] of query) {
    const m = /^metadata\[([^\]]{1,40})\]$/.exec(k);
    if (m?.[1]) metadata[m[1]] = v;
  }
  // A test key lists test keys only: the filter is forced, not an error, when none is given.
  const effectiveEnvironment = environment ?? (canSeeEnvironment(ctx.principal, "live") ? undefined : "test");
  const filterFingerprint = JSON.stringify([effectiveEnvironment, status, name, updatedAfter, metadata]);
  const startingAfter = query.get("starting_after");
  const after = startingAfter === null ? undefined : decodeCursor(startingAfter, filterFingerprint);

  await applyDeadlines(deps);
  const now = deps.now();
  const page = await listKeys(deps.db, {
    environment: effectiveEnvironment,
    status: status as KeyStatus | undefined,
    name,
    metadata,
    updatedAfter,
    after,
    limit,
  });
  const last = page.records.at(-1);
  const nextCursor =
    page.hasMore && last
      ? encodeCursor(
          { time: updatedAfter !== undefined ? last.updatedAt : last.createdAt, id: last.id },
          filterFingerprint,
        )
      : null;
  return {
    object: "list",
    data: page.records.map((r) => toApiKey(r, now)),
    has_more: page.hasMore,
    next_cursor: nextCursor,
  };
}

export async function keyUsage(
  deps: ServiceDeps,
  ctx: RequestContext,
  id: string,
  query: URLSearchParams,
): Promise<Record<string, unknown>> {
  requireRead(ctx.principal);
  const key = await visibleKey(deps.db, ctx.principal, id);
  const now = deps.now();
  const since =
    query.get("since") === null ? now - 7 * 86_400_000 : parseTimeFilter(String(query.get("since")), "since");
  const until = query.get("until") === null ? now : parseTimeFilter(String(query.get("until")), "until");
  const rows = await deps.db.query(
    "SELECT hour, count FROM usage_hourly WHERE key_id = $1 AND hour >= $2 AND hour <= $3 ORDER BY hour",
    [id, since - (since % 3_600_000), until],
  );
  return {
    object: "api_key_usage",
    id,
    last_used_at: key.lastUsedAt === null ? null : new Date(key.lastUsedAt).toISOString(),
    flush_interval_seconds: deps.flushIntervalMs / 1000,
    hourly: rows.map((r) => ({ hour: new Date(Number(r.hour)).toISOString(), count: Number(r.count) })),
  };
}

export async function listAuditPage(
  deps: ServiceDeps,
  ctx: RequestContext,
  query: URLSearchParams,
): Promise<Record<string, unknown>> {
  requireRead(ctx.principal);
  const limit = parseLimit(query.get("limit"));
  const keyId = query.get("key_id") ?? undefined;
  const fingerprint = JSON.stringify(["audit", keyId]);
  const startingAfter = query.get("starting_after");
  const after = startingAfter === null ? undefined : decodeCursor(startingAfter, fingerprint);
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (keyId !== undefined) {
    params.push(keyId);
    where.push(`target_key_id = $${params.length}`);
  }
  if (after) {
    params.push(after.time, after.id);
    where.push(
      `(created_at > $${params.length - 1} OR (created_at = $${params.length - 1} AND id > $${params.length}))`,
    );
  }
  params.push(limit + 1);
  const rows = await deps.db.query(
    `SELECT id, created_at, actor_key_id, action, target_key_id, request_id, ip, details FROM audit_events` +
      `${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, id LIMIT $${params.length}`,
    params,
  );
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    object: "list",
    data: page.map(auditEventToApi),
    has_more: hasMore,
    next_cursor:
      hasMore && last
        ? encodeCursor({ time: Number(last.created_at), id: String(last.id) }, fingerprint)
        : null,
  };
}
