// The HTTP front of the keys service: request ids, authentication (a bearer key, or the dashboard's session
// cookie with its CSRF checks) and rate limits, routing, JSON errors for every client mistake (never a stack
// trace), request metrics, the dashboard's page, and a drain on shutdown that loses no accepted write.
// /metrics itself is served on its own listener (metrics-server.ts).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { isUsable, type KeyRecord } from "../keys/key-record.ts";
import { lookupKey, type OnRefusedKey } from "../service/authenticator.ts";
import type { RequestContext, ServiceDeps } from "../service/context.ts";
import type { WindowRateLimiter } from "../service/rate-limiter.ts";
import { refusedKeyPresented } from "../service/refused-keys.ts";
import { ServiceError } from "../service/service-error.ts";
import { openSession } from "../service/sessions.ts";
import { ApiError, fromServiceError } from "./api-error.ts";
import type { ClientAddressResolver } from "./client-address.ts";
import { readJsonBody, sendJson } from "./io.ts";
import { matchRoute } from "./routes.ts";
import { changesState, overTls, requireCsrf, sessionTokenOf } from "./session-guard.ts";
import { handleSession, SESSION_PATH } from "./session-routes.ts";
import type { StaticBundle } from "./static-bundle.ts";

export interface HttpOptions {
  deps: ServiceDeps;
  logger: Logger;
  keyLimiter: WindowRateLimiter;
  failedAuthLimiter: WindowRateLimiter;
  maxBodyBytes: number;
  /** The client's address for the failed-authentication limit and the audit log (see client-address.ts). */
  clientAddress: ClientAddressResolver;
  /** False while starting or draining: /readyz answers 503. */
  ready: () => boolean;
  /** Dashboard sessions' absolute lifetime. */
  sessionTtlMs: number;
  /** The dashboard's page and assets. */
  bundle: StaticBundle;
  /** Whether a peer is a trusted proxy (its X-Forwarded-Proto says whether the browser used TLS). */
  trustedProxy: (peer: string | undefined) => boolean;
}

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

function requestIds(): () => string {
  // A random per-process prefix and a counter: unique, and cheap on the hot path.
  const prefix = Array.from(randomBytes(12), (b) => ALPHABET[b % 36]).join("");
  let counter = 0;
  return () => `req_${prefix}${(counter++).toString(36).padStart(12, "0")}`;
}

export function createHttpServer(options: HttpOptions): { server: Server; drained: () => Promise<void> } {
  const { deps, logger } = options;
  const nextId = requestIds();
  let inFlight = 0;

  interface Exchange {
    requestId: string;
    route: string;
    headers: Record<string, string>;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, ex: Exchange): Promise<void> {
    const { requestId, headers } = ex;
    // Split by hand: new URL() per request costs more than the rest of routing together.
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const path = q === -1 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q === -1 ? "" : raw.slice(q + 1));
    if (req.method === "GET" && path === "/healthz") {
      ex.route = "/healthz";
      sendJson(res, 200, { status: "ok" }, headers);
      return;
    }
    if (req.method === "GET" && path === "/readyz") {
      ex.route = "/readyz";
      const ready = options.ready();
      sendJson(
        res,
        ready ? 200 : 503,
        { status: ready ? "ready" : "not_ready" },
        { ...headers, ...(ready ? {} : { "retry-after": "1" }) },
      );
      return;
    }
    if (options.bundle.serve(req.method ?? "GET", path, res, headers)) {
      ex.route = path === "/" ? "/" : "/assets/{file}";
      return;
    }
    const isSession = path === SESSION_PATH;
    const { route, params } = isSession
      ? { route: undefined, params: [] }
      : matchRoute(req.method ?? "GET", path);
    ex.route = route?.name ?? SESSION_PATH;
    if (!options.ready())
      throw new ApiError("service_unavailable", "The service is starting or shutting down.", {
        retryAfterSeconds: 1,
      });
    const ip = options.clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"]);
    const onRefused: OnRefusedKey = (record) =>
      refusedKeyPresented(deps, record, {
        via: "authentication",
        requestId,
        ip: ip ?? null,
        actorKeyId: null,
      });
    if (!route) {
      await handleSession(sessionRoutes, { req, res, headers, requestId, ip: ip ?? null, onRefused });
      return;
    }
    const authenticated = authenticate(req, headers, ip ?? "unknown", onRefused);
    const principal = authenticated instanceof Promise ? await authenticated : authenticated;
    const body = route.body ? await readJsonBody(req, options.maxBodyBytes) : undefined;
    const ctx: RequestContext = {
      principal,
      requestId,
      ip: ip ?? null,
      idempotencyKey: req.method === "POST" ? idempotencyKeyOf(req) : undefined,
      method: req.method ?? "GET",
      path,
    };
    const ran = route.run({ deps, ctx, params, query, body });
    const result = ran instanceof Promise ? await ran : ran;
    if (result.replayed) {
      headers["idempotent-replayed"] = "true";
      deps.metrics.replays.inc();
    }
    sendJson(res, result.status, result.body, headers);
    if (route.method !== "GET" && route.name !== "/v1/api_keys/introspect")
      logger.info(
        {
          requestId,
          route: route.name,
          method: route.method,
          status: result.status,
          actor: principal.id,
          replayed: result.replayed === true,
        },
        "management call",
      );
  }

  /**
   * The request's principal; synchronous when its connection's bearer is still cached. A valid key is
   * checked first and always admitted: the per-address limit counts and refuses failed authentications
   * only, so a flood of bogus bearers from a shared address (an ingress, a NAT) never locks out the
   * valid clients behind it.
   */
  function authenticate(
    req: IncomingMessage,
    headers: Record<string, string>,
    address: string,
    onRefused: OnRefusedKey,
  ): KeyRecord | Promise<KeyRecord> {
    const now = deps.now();
    const header = req.headers.authorization;
    if (header === undefined || header === "") {
      // No bearer: the dashboard's session cookie may stand in for it (a bearer always wins).
      const token = sessionTokenOf(req);
      if (token !== undefined) return sessionPrincipal(req, headers, token, address);
      deps.metrics.authenticationFailures.inc({ reason: "missing" });
      throw new ApiError("missing_api_key", "Authenticate with an Authorization: Bearer sk_… header.");
    }
    const found = principalFor(req, header, now, onRefused);
    return found instanceof Promise
      ? found.then((principal) => admit(req, headers, principal, address, now))
      : admit(req, headers, found, address, now);
  }

  function admit(
    req: IncomingMessage,
    headers: Record<string, string>,
    principal: KeyRecord | undefined,
    address: string,
    now: number,
  ): KeyRecord {
    if (!principal) {
      lastBearer.delete(req.socket);
      return refuseAuthentication(address, now, "The API key is not valid.");
    }
    lastBearer.set(req.socket, { header: req.headers.authorization ?? "", digest: principal.digest });
    charge(principal, headers, now);
    return principal;
  }

  /** The signing key of the request's live session; state changes also need the session's CSRF proof. */
  async function sessionPrincipal(
    req: IncomingMessage,
    headers: Record<string, string>,
    token: string,
    address: string,
  ): Promise<KeyRecord> {
    const opened = await openSession(deps, token);
    if (!opened)
      return refuseAuthentication(
        address,
        deps.now(),
        "The session has ended or is not valid; sign in again.",
      );
    if (changesState(req.method)) requireCsrf(req, opened.session);
    charge(opened.principal, headers, deps.now());
    return opened.principal;
  }

  function refuseAuthentication(address: string, now: number, message: string): never {
    const blocked = options.failedAuthLimiter.exceeded(address, now);
    if (blocked) {
      deps.metrics.authenticationFailures.inc({ reason: "throttled" });
      deps.metrics.rateLimited.inc({ kind: "failed_auth" });
      throw new ApiError("auth_rate_limit_exceeded", "Too many failed authentications from this address.", {
        retryAfterSeconds: blocked.retryAfterSeconds,
      });
    }
    options.failedAuthLimiter.take(address, now);
    deps.metrics.authenticationFailures.inc({ reason: "invalid" });
    throw new ApiError("invalid_api_key", message);
  }

  function charge(principal: KeyRecord, headers: Record<string, string>, now: number): void {
    deps.usage.record(principal.id, now);
    const rate = options.keyLimiter.take(principal.id, now);
    headers["x-ratelimit-limit"] = String(rate.limit);
    headers["x-ratelimit-remaining"] = String(rate.remaining);
    headers["x-ratelimit-reset"] = String(rate.resetAt);
    if (!rate.allowed) {
      deps.metrics.rateLimited.inc({ kind: "key" });
      throw new ApiError("rate_limit_exceeded", "Too many requests with this key.", {
        retryAfterSeconds: rate.retryAfterSeconds,
      });
    }
  }

  const sessionRoutes = {
    deps,
    ttlMs: options.sessionTtlMs,
    maxBodyBytes: options.maxBodyBytes,
    refuseAuthentication,
    charge,
    secure: (req: IncomingMessage) => overTls(req, options.trustedProxy),
  };

  // A keep-alive connection presents the same bearer again and again: remember, per connection, which
  // record it resolved to, and re-check only that the record is still cached (a revocation drops it).
  const lastBearer = new WeakMap<Socket, { header: string; digest: string }>();

  function principalFor(
    req: IncomingMessage,
    header: string,
    now: number,
    onRefused: OnRefusedKey,
  ): KeyRecord | undefined | Promise<KeyRecord | undefined> {
    const memo = lastBearer.get(req.socket);
    if (memo?.header === header) {
      const cached = deps.cache.get(memo.digest, now);
      if (cached && isUsable(cached, now)) return cached;
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1] ? lookupKey(deps, m[1], onRefused) : undefined;
  }

  function idempotencyKeyOf(req: IncomingMessage): string | undefined {
    const value = req.headers["idempotency-key"];
    if (value === undefined) return undefined;
    const key = Array.isArray(value) ? value.join(",") : value;
    if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key))
      throw new ApiError(
        "invalid_idempotency_key",
        "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        { param: "Idempotency-Key" },
      );
    return key;
  }

  let onIdle: (() => void) | undefined;

  // One async function per request (not a promise chain): fewer allocations on the hot path.
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = nextId();
    const ex: Exchange = { requestId, route: "unmatched", headers: { "x-request-id": requestId } };
    const started = performance.now();
    inFlight++;
    try {
      await handle(req, res, ex);
    } catch (err) {
      const apiError =
        err instanceof ApiError
          ? err
          : err instanceof ServiceError
            ? fromServiceError(err)
            : new ApiError(
                "internal_error",
                `Something went wrong on our side; quote request id ${requestId}.`,
              );
      if (!(err instanceof ApiError) && !(err instanceof ServiceError))
        logger.error({ requestId, err }, "request failed");
      if (apiError.retryAfterSeconds !== undefined)
        ex.headers["retry-after"] = String(apiError.retryAfterSeconds);
      if (apiError.code === "body_too_large") ex.headers.connection = "close";
      if (!res.headersSent) sendJson(res, apiError.status, apiError.body(requestId), ex.headers);
      else res.destroy();
    } finally {
      deps.metrics.observeRequest(
        ex.route,
        req.method ?? "",
        res.statusCode,
        (performance.now() - started) / 1000,
      );
      inFlight--;
      if (inFlight === 0) onIdle?.();
    }
  }

  const server = createServer(
    { keepAlive: true, requestTimeout: 30_000, headersTimeout: 10_000 },
    (req, res) => {
      void serve(req, res);
    },
  );
  // Malformed HTTP gets a plain 400 instead of a dropped connection.
  server.on("clientError", (_err, socket) => {
    if (socket.writable)
      socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
  });
  return {
    server,
    /** Resolves once no request is in flight (call after the server stopped accepting). */
    drained: () =>
      inFlight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            onIdle = resolve;
          }),
  };
}
