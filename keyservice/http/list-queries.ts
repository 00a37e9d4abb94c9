// Query strings of the read routes, parsed and checked here (every refusal names the parameter and the
// rule), and the opaque cursors of their pages: the service sees typed filters and positions only.
import { isEnvironment } from "../../core/domain/index.ts";
import type { KeyStatus } from "../keys/key-record.ts";
import type { ServiceAuditAction } from "../service/audit-log.ts";
import type { AuditListQuery, KeyListQuery, Page, UsageQuery } from "../service/key-queries.ts";
import { ApiError } from "./api-error.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";

const AUDIT_ACTIONS: readonly ServiceAuditAction[] = [
  "api_key.created",
  "api_key.updated",
  "api_key.rolled",
  "api_key.revoked",
  "api_key.revocation_scheduled",
  "api_key.expired",
  "api_key.bootstrap",
  "api_key.revoked_key_used",
  "api_key.signed_in",
];

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

/** A parsed list query and the fingerprint its cursors carry, so a cursor only pages through its own list. */
export interface ParsedList<Q> {
  query: Q;
  fingerprint: string;
}

export function parseKeyListQuery(params: URLSearchParams): ParsedList<KeyListQuery> {
  const limit = parseLimit(params.get("limit"));
  const environment = params.get("environment") ?? undefined;
  if (environment !== undefined && !isEnvironment(environment))
    throw new ApiError("invalid_filter", 'environment must be "live" or "test".', { param: "environment" });
  const status = params.get("status") ?? undefined;
  if (status !== undefined && !STATUSES.includes(status as KeyStatus))
    throw new ApiError("invalid_filter", `status must be one of ${STATUSES.join(", ")}.`, {
      param: "status",
    });
  const name = params.get("name") ?? undefined;
  const updatedAfterText = params.get("updated_after");
  const updatedAfter =
    updatedAfterText === null ? undefined : parseTimeFilter(updatedAfterText, "updated_after");
  const metadata: Record<string, string> = {};
  for (const [k, v] of params) {
    const m = /^metadata\[([^\]]{1,40})\]$/.exec(k);
    if (m?.[1]) metadata[m[1]] = v;
  }
  const fingerprint = JSON.stringify([environment, status, name, updatedAfter, metadata]);
  const startingAfter = params.get("starting_after");
  return {
    query: {
      limit,
      environment,
      status: status as KeyStatus | undefined,
      name,
      updatedAfter,
      metadata,
      after: startingAfter === null ? undefined : decodeCursor(startingAfter, fingerprint),
    },
    fingerprint,
  };
}

export function parseAuditListQuery(params: URLSearchParams): ParsedList<AuditListQuery> {
  const limit = parseLimit(params.get("limit"));
  const keyId = params.get("key_id") ?? undefined;
  const action = params.get("action") ?? undefined;
  if (action !== undefined && !AUDIT_ACTIONS.includes(action as ServiceAuditAction))
    throw new ApiError("invalid_filter", `action must be one of ${AUDIT_ACTIONS.join(", ")}.`, {
      param: "action",
    });
  const createdAfterText = params.get("created_after");
  const createdAfter =
    createdAfterText === null ? undefined : parseTimeFilter(createdAfterText, "created_after");
  const fingerprint = JSON.stringify(["audit", keyId, action, createdAfter]);
  const startingAfter = params.get("starting_after");
  return {
    query: {
      limit,
      keyId,
      action,
      createdAfter,
      after: startingAfter === null ? undefined : decodeCursor(startingAfter, fingerprint),
    },
    fingerprint,
  };
}

export function parseUsageQuery(params: URLSearchParams): UsageQuery {
  const since = params.get("since");
  const until = params.get("until");
  return {
    since: since === null ? undefined : parseTimeFilter(since, "since"),
    until: until === null ? undefined : parseTimeFilter(until, "until"),
  };
}

/** A page as contract 1 lists it, with the cursor to the next page. */
export function listBody(page: Page, fingerprint: string): Record<string, unknown> {
  return {
    object: "list",
    data: page.data,
    has_more: page.hasMore,
    next_cursor: page.hasMore && page.last ? encodeCursor(page.last, fingerprint) : null,
  };
}
