// POST /session (sign in with a management key), GET /session (who am I, and the CSRF token), DELETE
// /session (sign out). Sign-in takes JSON only and refuses another site's Origin (login CSRF), is limited
// like any authentication, and is audited without a key value; the key itself never leaves this request.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { KeyRecord } from "../keys/key-record.ts";
import { lookupKey, type OnRefusedKey } from "../service/authenticator.ts";
import { requireRead } from "../service/authorize.ts";
import type { ServiceDeps } from "../service/context.ts";
import { createSession, endSession, type OpenedSession, openSession } from "../service/sessions.ts";
import { ApiError } from "./api-error.ts";
import { readJsonBody, sendJson } from "./io.ts";
import { asObject } from "./request-bodies.ts";
import {
  clearedSessionCookie,
  refuseForeignSite,
  requireCsrf,
  sessionCookie,
  sessionTokenOf,
} from "./session-guard.ts";

export interface SessionRouteOptions {
  deps: ServiceDeps;
  logger: Logger;
  ttlMs: number;
  maxBodyBytes: number;
  /** Counts a failed authentication from the address and throws (401, or 429 once it is over its limit). */
  refuseAuthentication(address: string, now: number, message: string): never;
  /** Records the key's use and applies its rate limit (throws 429), setting the X-RateLimit-* headers. */
  charge(principal: KeyRecord, headers: Record<string, string>, now: number): void;
  secure(req: IncomingMessage): boolean;
}

export interface SessionExchange {
  req: IncomingMessage;
  res: ServerResponse;
  headers: Record<string, string>;
  requestId: string;
  ip: string | null;
  onRefused: OnRefusedKey;
}

export const SESSION_PATH = "/session";

export function sessionBody(opened: OpenedSession): Record<string, unknown> {
  const { principal } = opened;
  return {
    csrf_token: opened.csrfToken,
    expires_at: new Date(opened.session.expiresAt).toISOString(),
    principal: {
      id: principal.id,
      name: principal.name,
      environment: principal.environment,
      scopes: principal.scopes,
    },
  };
}

export async function handleSession(options: SessionRouteOptions, ex: SessionExchange): Promise<void> {
  const { req, res, headers } = ex;
  switch (req.method) {
    case "POST":
      return signIn(options, ex);
    case "GET": {
      const opened = await current(options.deps, req);
      if (!opened)
        throw new ApiError(
          "missing_api_key",
          "Not signed in: sign in with a management key (POST /session).",
        );
      sendJson(res, 200, sessionBody(opened), headers);
      return;
    }
    case "DELETE": {
      const opened = await current(options.deps, req);
      // No live session: nothing for another site to end, so nothing to check; the cookie is cleared anyway.
      if (opened) {
        requireCsrf(req, opened.session);
        await endSession(options.deps.db, opened.session);
        options.logger.info({ requestId: ex.requestId, actor: opened.principal.id }, "dashboard sign-out");
      }
      res.writeHead(204, {
        ...headers,
        "cache-control": "no-store",
        "set-cookie": clearedSessionCookie(options.secure(req)),
      });
      res.end();
      return;
    }
    default:
      throw new ApiError("method_not_allowed", `${req.method} is not allowed here; use POST, GET or DELETE.`);
  }
}

async function current(deps: ServiceDeps, req: IncomingMessage): Promise<OpenedSession | undefined> {
  const token = sessionTokenOf(req);
  return token === undefined ? undefined : openSession(deps, token);
}

async function signIn(options: SessionRouteOptions, ex: SessionExchange): Promise<void> {
  const { deps } = options;
  const { req, res, headers } = ex;
  refuseForeignSite(req);
  // JSON only: a form post (which any site can send without a preflight) never reaches the key check.
  if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? ""))
    throw new ApiError("unsupported_media_type", 'Sign in with a JSON body {"api_key": "sk_…"}.');
  const body = asObject(await readJsonBody(req, options.maxBodyBytes));
  for (const field of Object.keys(body))
    if (field !== "api_key")
      throw new ApiError(
        "invalid_request",
        `"${field}" is not a parameter of this request (allowed: api_key).`,
        {
          param: field,
        },
      );
  const presented = body.api_key;
  if (typeof presented !== "string" || presented.length === 0)
    throw new ApiError("invalid_request", "api_key must be a management key (a string).", {
      param: "api_key",
    });
  const found = lookupKey(deps, presented, ex.onRefused);
  const principal = found instanceof Promise ? await found : found;
  const now = deps.now();
  if (!principal) options.refuseAuthentication(ex.ip ?? "unknown", now, "The API key is not valid.");
  options.charge(principal, headers, now);
  // The dashboard manages keys: a key that may not even read them has nothing to sign in to.
  requireRead(principal);
  const { token, opened } = await createSession(deps, principal, {
    ttlMs: options.ttlMs,
    requestId: ex.requestId,
    ip: ex.ip,
  });
  options.logger.info(
    {
      requestId: ex.requestId,
      actor: principal.id,
      expiresAt: new Date(opened.session.expiresAt).toISOString(),
    },
    "dashboard sign-in",
  );
  sendJson(res, 201, sessionBody(opened), {
    ...headers,
    "set-cookie": sessionCookie(token, options.secure(req)),
  });
}
