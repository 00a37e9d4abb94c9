// The HTTP front of the keys service: request ids, authentication (a bearer key, or the dashboard's session
// cookie with its CSRF checks) and rate limits, routing, JSON errors for every client mistake (never a stack
// trace), request metrics, the dashboard's page, and a drain on shutdown that loses no accepted write.
// /metrics itself is served on its own listener (metrics-server.ts).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { OnRefusedKey } from "../service/authenticator.ts";
import type { RequestContext, ServiceDeps } from "../service/context.ts";
import type { WindowRateLimiter } from "../service/rate-limiter.ts";
import { refusedKeyPresented } from "../service/refused-keys.ts";
import { ServiceError } from "../service/service-error.ts";
import { ApiError, fromServiceError } from "./api-error.ts";
import { createAuthentication } from "./authentication.ts";
import type { ClientAddressResolver } from "./client-address.ts";
import { readJsonBody, sendJson } from "./io.ts";
import { matchRoute } from "./routes.ts";
import { overTls } from "./session-guard.ts";
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

  const { authenticate, refuseAuthentication, charge } = createAuthentication(options);
  const sessionRoutes = {
    deps,
    logger,
    ttlMs: options.sessionTtlMs,
    maxBodyBytes: options.maxBodyBytes,
    refuseAuthentication,
    charge,
    secure: (req: IncomingMessage) => overTls(req, options.trustedProxy),
  };

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
