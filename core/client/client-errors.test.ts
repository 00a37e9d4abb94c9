import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { errorBody, recordingClient } from "../../test/support/client-fixtures.ts";
import { type FaultServer, type Handler, script, startFaultServer } from "../../test/support/fault-server.ts";
import { isKeysApiError, KeysApiError, KeysApiNetworkError, maskSecrets } from "./errors.ts";

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: Handler): Promise<FaultServer> {
  server = await startFaultServer(handler);
  return server;
}

const LIVE_SECRET = `sk_live_${"Ab3".repeat(16)}Zz`;

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected the call to fail"),
    (error: unknown) => error,
  );
}

describe("error answers", () => {
  it("parses the error object: status, type, code, param and request id", async () => {
    const body = errorBody(
      400,
      "invalid_request_error",
      "immutable_field",
      "scopes cannot be changed; roll the key",
      7,
    );
    const { baseUrl } = await serve(
      script({ status: 400, body: { error: { ...body.body.error, param: "scopes" } } }),
    );
    const { client } = recordingClient(baseUrl);
    const error = await failure(client.updateKey("key_0123456789abcdefghijABCD", { name: "web" }));
    expect(isKeysApiError(error, "immutable_field")).toBe(true);
    expect(isKeysApiError(error, "invalid_name")).toBe(false);
    expect(error).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      code: "immutable_field",
      param: "scopes",
      requestId: "req_000000000000000000000007",
      retryable: false,
    });
    expect(String(error)).toBe(
      "KeysApiError: scopes cannot be changed; roll the key (400 immutable_field, request req_000000000000000000000007)",
    );
  });

  it("classifies an answer without an error body by status, taking the request id from the header", async () => {
    const { baseUrl } = await serve(script({ status: 502, raw: "<html>Bad gateway</html>" }));
    const { client } = recordingClient(baseUrl, { retry: { retries: 0 } });
    const error = await failure(client.getKey("key_0123456789abcdefghijABCD"));
    expect(error).toMatchObject({ status: 502, type: "api_error", code: "http_error", retryable: true });
    expect((error as KeysApiError).requestId).toBe("req_000000000000000000000000");
    expect((error as Error).message).not.toContain("html");
  });

  it("refuses to follow a redirect, which would carry the bearer key elsewhere", async () => {
    const { baseUrl, requests } = await serve(
      script({ status: 307, headers: { location: "http://example.invalid/" } }),
    );
    const { client } = recordingClient(baseUrl);
    const error = await failure(client.getKey("key_0123456789abcdefghijABCD"));
    expect(isKeysApiError(error, "invalid_response")).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it("masks a key the server echoes, in the message, String(), JSON and inspect", async () => {
    // given a server that echoes the introspected key back in its error message and param
    const echo = errorBody(
      400,
      "invalid_request_error",
      "invalid_request",
      `bad key ${LIVE_SECRET} (was sk_test_abc)`,
    );
    const { baseUrl } = await serve(
      script({ status: 400, body: { error: { ...echo.body.error, param: LIVE_SECRET } } }),
    );
    const { client } = recordingClient(baseUrl);
    // when
    const error = await failure(client.introspect(LIVE_SECRET));
    // then no rendering of the error holds the key, and none holds the request body
    expect((error as Error).message).toContain("bad key sk_live_[redacted] (was sk_test_[redacted])");
    for (const rendering of [
      (error as Error).message,
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 5 }),
    ]) {
      expect(rendering).not.toContain(LIVE_SECRET.slice(8));
      expect(rendering).not.toContain("sk_test_abc");
    }
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      name: "KeysApiError",
      code: "invalid_request",
    });
  });

  it("never puts the bearer key or the body in a network error", async () => {
    const { baseUrl } = await serve(script("drop"));
    const { client } = recordingClient(baseUrl, { retry: { retries: 1 }, apiKey: LIVE_SECRET });
    const error = await failure(client.introspect(LIVE_SECRET));
    expect(error).toBeInstanceOf(KeysApiNetworkError);
    expect(String(error)).toBe(
      "KeysApiNetworkError: POST /v1/api_keys/introspect failed to connect (2 attempts)",
    );
    expect(inspect(error, { depth: 8 })).not.toContain(LIVE_SECRET.slice(8));
  });
});

describe("maskSecrets", () => {
  it.each([
    { name: "masks a live key", text: `key ${LIVE_SECRET}.`, masked: "key sk_live_[redacted]." },
    {
      name: "masks a short test key",
      text: "sk_test_abc and sk_test_def",
      masked: "sk_test_[redacted] and sk_test_[redacted]",
    },
    {
      name: "masks even a redacted form: any literal counts",
      text: "sk_live_abc123...GHIJ",
      masked: "sk_live_[redacted]...GHIJ",
    },
    { name: "leaves other text alone", text: "no key here: sk_prod_x", masked: "no key here: sk_prod_x" },
  ])("$name", ({ text, masked }) => {
    expect(maskSecrets(text)).toBe(masked);
  });

  it("masks inside every server string of a KeysApiError, whoever built it", () => {
    const error = new KeysApiError({
      status: 500,
      type: LIVE_SECRET,
      code: LIVE_SECRET,
      message: LIVE_SECRET,
      param: LIVE_SECRET,
      requestId: LIVE_SECRET,
      retryable: true,
    });
    expect(inspect(error)).not.toContain(LIVE_SECRET.slice(8));
  });
});
