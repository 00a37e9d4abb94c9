import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { httpFetch } from "./http-fetch.ts";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const init = (signal = new AbortController().signal) => ({
  method: "POST",
  headers: { "content-type": "application/json", authorization: "Bearer x" },
  body: JSON.stringify({ name: "é" }),
  signal,
  redirect: "manual" as const,
});

describe("httpFetch", () => {
  it("sends method, headers and body, and answers status, headers and text", async () => {
    const url = await serve(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      res.setHeader("x-request-id", "req_1");
      res.statusCode = 201;
      res.end(
        JSON.stringify({
          method: req.method,
          auth: req.headers.authorization,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    const res = await httpFetch(`${url}/v1/api_keys?limit=1`, init());
    expect(res.status).toBe(201);
    expect(res.headers.get("X-Request-Id")).toBe("req_1");
    expect(res.headers.get("retry-after")).toBeNull();
    expect(JSON.parse(await res.text())).toEqual({ method: "POST", auth: "Bearer x", body: '{"name":"é"}' });
  });

  it("does not follow a redirect", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" });
      res.end();
    });
    expect((await httpFetch(url, init())).status).toBe(302);
  });

  it("rejects with the signal's reason when aborted while waiting for the answer", async () => {
    const url = await serve(() => {
      // never answers
    });
    const controller = new AbortController();
    const pending = httpFetch(url, init(controller.signal));
    const reason = new Error("reconcile timed out");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});
