// The routes of contract 1 and what each calls. Route names are the metric labels: templates, never ids.

import type { RequestContext, ServiceDeps } from "../service/context.ts";
import type { OperationResult } from "../service/idempotency.ts";
import { introspect } from "../service/introspection.ts";
import { createKey, revokeKey, rollKey, updateKey } from "../service/key-operations.ts";
import { getOneKey, keyUsage, listAuditPage, listKeyPage } from "../service/key-queries.ts";
import { ApiError } from "./api-error.ts";
import { listBody, parseAuditListQuery, parseKeyListQuery, parseUsageQuery } from "./list-queries.ts";
import { parseCreate, parseIntrospect, parsePatch, parseRevoke, parseRoll } from "./request-bodies.ts";

export interface RouteInput {
  deps: ServiceDeps;
  ctx: RequestContext;
  params: string[];
  query: URLSearchParams;
  body: unknown;
}

export interface Route {
  name: string;
  method: "GET" | "POST" | "PATCH";
  pattern: RegExp;
  /** Whether the route reads a body. */
  body: boolean;
  /** A plain result when no I/O was needed (the introspection hot path), else a promise. */
  run(input: RouteInput): OperationResult | Promise<OperationResult>;
}

const ok = async (body: Promise<Record<string, unknown>>): Promise<OperationResult> => ({
  status: 200,
  body: await body,
});
const id = (input: RouteInput): string => input.params[0] ?? "";

export const ROUTES: Route[] = [
  {
    name: "/v1/api_keys/introspect",
    method: "POST",
    pattern: /^\/v1\/api_keys\/introspect$/,
    body: true,
    run: (i) => introspect(i.deps, i.ctx, parseIntrospect(i.body)),
  },
  {
    name: "/v1/api_keys",
    method: "POST",
    pattern: /^\/v1\/api_keys$/,
    body: true,
    run: (i) => createKey(i.deps, i.ctx, parseCreate(i.body, i.deps.now()), i.body),
  },
  {
    name: "/v1/api_keys",
    method: "GET",
    pattern: /^\/v1\/api_keys$/,
    body: false,
    run: async (i) => {
      const { query, fingerprint } = parseKeyListQuery(i.query);
      return { status: 200, body: listBody(await listKeyPage(i.deps, i.ctx, query), fingerprint) };
    },
  },
  {
    name: "/v1/api_keys/{id}",
    method: "GET",
    pattern: /^\/v1\/api_keys\/([^/]+)$/,
    body: false,
    run: (i) => ok(getOneKey(i.deps, i.ctx, id(i))),
  },
  {
    name: "/v1/api_keys/{id}",
    method: "PATCH",
    pattern: /^\/v1\/api_keys\/([^/]+)$/,
    body: true,
    run: (i) => updateKey(i.deps, i.ctx, id(i), parsePatch(i.body)),
  },
  {
    name: "/v1/api_keys/{id}/roll",
    method: "POST",
    pattern: /^\/v1\/api_keys\/([^/]+)\/roll$/,
    body: true,
    run: (i) => rollKey(i.deps, i.ctx, id(i), parseRoll(i.body, i.deps.now()), i.body ?? {}),
  },
  {
    name: "/v1/api_keys/{id}/revoke",
    method: "POST",
    pattern: /^\/v1\/api_keys\/([^/]+)\/revoke$/,
    body: true,
    run: (i) => revokeKey(i.deps, i.ctx, id(i), parseRevoke(i.body, i.deps.now()), i.body),
  },
  {
    name: "/v1/api_keys/{id}/usage",
    method: "GET",
    pattern: /^\/v1\/api_keys\/([^/]+)\/usage$/,
    body: false,
    run: (i) => ok(keyUsage(i.deps, i.ctx, id(i), parseUsageQuery(i.query))),
  },
  {
    name: "/v1/audit_events",
    method: "GET",
    pattern: /^\/v1\/audit_events$/,
    body: false,
    run: async (i) => {
      const { query, fingerprint } = parseAuditListQuery(i.query);
      return { status: 200, body: listBody(await listAuditPage(i.deps, i.ctx, query), fingerprint) };
    },
  },
];

/** The route for a method and path; 405 when the path exists with other methods, 404 when it does not. */
export function matchRoute(method: string, path: string): { route: Route; params: string[] } {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    // /v1/api_keys/introspect also matches /{id}: the first pattern that fits a path owns it.
    if (route.method === method) return { route, params: m.slice(1).map((p) => safeDecode(p)) };
    allowed.push(route.method);
    if (route.name === "/v1/api_keys/introspect") break;
  }
  if (allowed.length > 0)
    throw new ApiError("method_not_allowed", `${method} is not allowed here; use ${allowed.join(" or ")}.`);
  throw new ApiError(
    "route_not_found",
    "No such path. The keys API lives under /v1/api_keys and /v1/audit_events.",
  );
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
