// The browser side of sessions: the cookie, and the checks that keep another site from using it. A request
// carrying the session cookie is refused (403 csrf_failed) when the browser says it comes from another site
// (Sec-Fetch-Site cross-site or same-site, or an Origin that is not this service's), and, when it changes
// anything, unless it carries the session's X-CSRF-Token, which only the service's own page can read.
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { csrfMatches, type Session } from "../service/sessions.ts";
import { ApiError } from "./api-error.ts";

export const SESSION_COOKIE = "ayra_session";

/** The session token the request's Cookie header carries, if any. */
export function sessionTokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether the browser reached this service over TLS: its own socket, or a trusted proxy's X-Forwarded-Proto. */
export function overTls(
  req: IncomingMessage,
  fromTrustedProxy: (peer: string | undefined) => boolean,
): boolean {
  if ((req.socket as Partial<TLSSocket>).encrypted === true) return true;
  const proto = req.headers["x-forwarded-proto"];
  return (
    typeof proto === "string" && /^https\s*(,|$)/i.test(proto) && fromTrustedProxy(req.socket.remoteAddress)
  );
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/${secure ? "; Secure" : ""}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? "; Secure" : ""}`;
}

/**
 * Refuses a request a browser sent on another site's behalf. Origin is compared with the Host the request
 * was sent to (a browser sets both; a proxy in front keeps Host), scheme aside: behind a TLS-terminating
 * proxy the page's https origin reaches a plain-HTTP listener.
 */
export function refuseForeignSite(req: IncomingMessage): void {
  const site = req.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site")
    throw new ApiError(
      "csrf_failed",
      `Refused: the browser says this request comes from another site (${site}).`,
    );
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (!sameOrigin(origin, req.headers.host))
    throw new ApiError("csrf_failed", "Refused: the request's Origin is not this service.", {
      param: "Origin",
    });
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    return (
      (url.protocol === "http:" || url.protocol === "https:") && url.host === new URL(`http://${host}`).host
    );
  } catch {
    // "null" (a sandboxed frame, a file), or anything malformed, is not this service.
    return false;
  }
}

/** The state-changing request's CSRF proof: from this site, with the session's token. */
export function requireCsrf(req: IncomingMessage, session: Session): void {
  refuseForeignSite(req);
  const presented = req.headers["x-csrf-token"];
  if (!csrfMatches(session, typeof presented === "string" ? presented : undefined))
    throw new ApiError(
      "csrf_failed",
      "Refused: a request signed in by session cookie must carry the session's X-CSRF-Token header.",
      { param: "X-CSRF-Token" },
    );
}

/** GET and HEAD change nothing; every other method with the cookie needs requireCsrf. */
export function changesState(method: string | undefined): boolean {
  return method !== "GET" && method !== "HEAD";
}
