// Signing in to the dashboard as a browser would, with the cookie handled by hand: what the service set,
// the CSRF token it handed out, and a caller that sends the cookie (and, when asked, the token).
import { expect } from "vitest";
import type { ApiBody, TestKeyService } from "../../harness/keys-service.ts";

export interface SignedIn {
  /** `ayra_session=…`, as a browser would send it back. */
  cookie: string;
  token: string;
  csrf: string;
  /** The Set-Cookie header as the service sent it. */
  setCookie: string;
  body: SessionBody;
}

export interface SessionBody {
  csrf_token: string;
  expires_at: string;
  principal: { id: string; name: string; environment: string; scopes: string[] };
}

export async function signIn(
  ks: TestKeyService,
  key: string,
  headers: Record<string, string> = {},
): Promise<SignedIn> {
  const res = await ks.call("POST", "/session", { body: { api_key: key }, headers });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const setCookie = res.headers.getSetCookie();
  expect(setCookie).toHaveLength(1);
  const header = setCookie[0] ?? "";
  const token = /^ayra_session=([^;]*)/.exec(header)?.[1] ?? "";
  const body = res.body as unknown as SessionBody;
  return { cookie: `ayra_session=${token}`, token, csrf: body.csrf_token, setCookie: header, body };
}

/** A /v1 or /session call carrying the session cookie (and the CSRF token unless `csrf` says otherwise). */
export function withSession(
  ks: Pick<TestKeyService, "call">,
  session: SignedIn,
): (
  method: string,
  path: string,
  options?: { body?: unknown; csrf?: string | null; headers?: Record<string, string> },
) => ReturnType<TestKeyService["call"]> {
  return (method, path, options = {}) => {
    const csrf = options.csrf === undefined ? session.csrf : options.csrf;
    return ks.call(method, path, {
      body: options.body,
      headers: {
        cookie: session.cookie,
        ...(csrf === null ? {} : { "x-csrf-token": csrf }),
        ...options.headers,
      },
    });
  };
}

export type { ApiBody };
