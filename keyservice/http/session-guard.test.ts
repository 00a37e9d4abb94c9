// The cookie and cross-site rules on their own: which requests another site could have sent, which cookie
// header carries the session, and when the cookie is marked Secure.
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { csrfTokenOf } from "../service/sessions.ts";
import { ApiError } from "./api-error.ts";
import { overTls, refuseForeignSite, requireCsrf, sessionCookie, sessionTokenOf } from "./session-guard.ts";

function request(headers: Record<string, string>, socket: Record<string, unknown> = {}): IncomingMessage {
  return { headers, socket: { remoteAddress: "127.0.0.1", ...socket } } as unknown as IncomingMessage;
}

function refusal(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
}

describe("refuseForeignSite", () => {
  const host = "keys.example:8787";
  it.each([
    [{}, undefined],
    [{ "sec-fetch-site": "same-origin" }, undefined],
    [{ "sec-fetch-site": "none" }, undefined],
    [{ origin: "http://keys.example:8787" }, undefined],
    // Behind a TLS-terminating proxy the page's origin is https while the listener is plain HTTP.
    [{ origin: "https://keys.example:8787" }, undefined],
    [{ "sec-fetch-site": "cross-site" }, "csrf_failed"],
    [{ "sec-fetch-site": "same-site" }, "csrf_failed"],
    [{ origin: "http://evil.example" }, "csrf_failed"],
    [{ origin: "http://keys.example" }, "csrf_failed"],
    [{ origin: "http://keys.example:8787.evil.example" }, "csrf_failed"],
    [{ origin: "null" }, "csrf_failed"],
    [{ origin: "file://keys.example:8787" }, "csrf_failed"],
  ] as [Record<string, string>, string | undefined][])("%j → %s", (headers, expected) => {
    expect(refusal(() => refuseForeignSite(request({ host, ...headers })))).toBe(expected);
  });

  it("refuses any Origin when the request names no Host", () => {
    expect(refusal(() => refuseForeignSite(request({ origin: "http://keys.example" })))).toBe("csrf_failed");
  });
});

describe("requireCsrf", () => {
  const token = "A".repeat(43);
  const csrf = csrfTokenOf(token);
  const session = {
    tokenHash: createHash("sha256").update(token).digest("hex"),
    keyId: "key_x",
    csrfHash: createHash("sha256").update(csrf).digest("hex"),
    createdAt: 0,
    expiresAt: 1,
  };
  it("accepts the session's own token from the same site", () => {
    expect(refusal(() => requireCsrf(request({ "x-csrf-token": csrf }), session))).toBeUndefined();
  });
  it.each([
    {},
    { "x-csrf-token": "" },
    { "x-csrf-token": csrf.slice(1) },
    { "x-csrf-token": csrfTokenOf("B".repeat(43)) },
    { "x-csrf-token": csrf, "sec-fetch-site": "cross-site" },
  ] as Record<string, string>[])("refuses %j", (headers) => {
    expect(refusal(() => requireCsrf(request(headers), session))).toBe("csrf_failed");
  });
});

describe("the session cookie", () => {
  it("finds ayra_session among other cookies, and nothing when it is absent", () => {
    expect(sessionTokenOf(request({ cookie: "theme=dark; ayra_session=abc; other=1" }))).toBe("abc");
    expect(sessionTokenOf(request({ cookie: "not_ayra_session=abc" }))).toBeUndefined();
    expect(sessionTokenOf(request({}))).toBeUndefined();
  });

  it("is HttpOnly, SameSite=Strict and Path=/, and Secure only when asked", () => {
    expect(sessionCookie("t", false)).toBe("ayra_session=t; HttpOnly; SameSite=Strict; Path=/");
    expect(sessionCookie("t", true)).toBe("ayra_session=t; HttpOnly; SameSite=Strict; Path=/; Secure");
  });

  it("counts as TLS on a TLS socket, or when a trusted proxy says https", () => {
    const trusted = (peer: string | undefined) => peer === "10.0.0.1";
    expect(overTls(request({}, { encrypted: true }), trusted)).toBe(true);
    expect(overTls(request({ "x-forwarded-proto": "https" }, { remoteAddress: "10.0.0.1" }), trusted)).toBe(
      true,
    );
    expect(overTls(request({ "x-forwarded-proto": "https" }, { remoteAddress: "10.0.0.2" }), trusted)).toBe(
      false,
    );
    expect(overTls(request({ "x-forwarded-proto": "http" }, { remoteAddress: "10.0.0.1" }), trusted)).toBe(
      false,
    );
    expect(overTls(request({}), trusted)).toBe(false);
  });
});
