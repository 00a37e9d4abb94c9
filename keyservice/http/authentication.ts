// Who a request is: a bearer key (synchronous when its connection's bearer is still cached), or, with no
// Authorization header, the dashboard's session cookie (the key that signed in, with the CSRF checks for
// anything that changes state). A valid key is checked first and always admitted: the per-address limit
// counts and refuses failed authentications only, so a flood of bogus bearers from a shared address (an
// ingress, a NAT) never locks out the valid clients behind it.
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { isUsable, type KeyRecord } from "../keys/key-record.ts";
import { lookupKey, type OnRefusedKey } from "../service/authenticator.ts";
import type { ServiceDeps } from "../service/context.ts";
import type { WindowRateLimiter } from "../service/rate-limiter.ts";
import { openSession } from "../service/sessions.ts";
import { ApiError } from "./api-error.ts";
import { changesState, requireCsrf, sessionTokenOf } from "./session-guard.ts";

export interface AuthenticationOptions {
  deps: ServiceDeps;
  keyLimiter: WindowRateLimiter;
  failedAuthLimiter: WindowRateLimiter;
}

export interface Authentication {
  /** The request's principal, or a thrown ApiError (401, 403 csrf_failed, 429). */
  authenticate(
    req: IncomingMessage,
    headers: Record<string, string>,
    address: string,
    onRefused: OnRefusedKey,
  ): KeyRecord | Promise<KeyRecord>;
  /** Counts a failed authentication from the address and throws (401, or 429 once over its limit). */
  refuseAuthentication(address: string, now: number, message: string): never;
  /** Records the key's use and applies its rate limit (throws 429), setting the X-RateLimit-* headers. */
  charge(principal: KeyRecord, headers: Record<string, string>, now: number): void;
}

export function createAuthentication(options: AuthenticationOptions): Authentication {
  const { deps } = options;
  // A keep-alive connection presents the same bearer again and again: remember, per connection, which
  // record it resolved to, and re-check only that the record is still cached (a revocation drops it).
  const lastBearer = new WeakMap<Socket, { header: string; digest: string }>();

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

  return { authenticate, refuseAuthentication, charge };
}
