// A fault-injecting HTTP proxy for the keys API: a share of requests gets a 500, a 429 with Retry-After,
// or — worst of all — is forwarded and executed but never answered (the caller times out). Seeded, so a
// failing run can be repeated.
import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FaultyProxy {
  url: string;
  stats: { forwarded: number; failed500: number; failed429: number; hung: number };
  close(): Promise<void>;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function startFaultyProxy(
  upstream: string,
  options: { failureRate: number; seed?: number },
): Promise<FaultyProxy> {
  const random = seeded(options.seed ?? 42);
  const target = new URL(upstream);
  const stats = { forwarded: 0, failed500: 0, failed429: 0, hung: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const roll = random();
      const share = options.failureRate / 3;
      const json = (status: number, code: string, headers: Record<string, string> = {}) =>
        res
          .writeHead(status, { "content-type": "application/json", "x-request-id": "req_proxy", ...headers })
          .end(
            JSON.stringify({
              error: {
                type: status === 429 ? "rate_limit_error" : "api_error",
                code,
                message: "injected fault",
                request_id: "req_proxy",
              },
            }),
          );
      if (roll < share) {
        stats.failed500++;
        json(500, "internal_error");
        return;
      }
      if (roll < 2 * share) {
        stats.failed429++;
        json(429, "rate_limit_exceeded", { "retry-after": "1" });
        return;
      }
      const hang = roll < 3 * share;
      const upstreamReq = request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: target.host },
        },
        (up) => {
          const body: Buffer[] = [];
          up.on("data", (c: Buffer) => body.push(c));
          up.on("end", () => {
            if (hang) {
              // Executed upstream, never answered: the caller's timeout fires; its retry must be a replay.
              stats.hung++;
              req.socket.once("close", () => undefined);
              return;
            }
            stats.forwarded++;
            res.writeHead(up.statusCode ?? 502, up.headers).end(Buffer.concat(body));
          });
        },
      );
      upstreamReq.on("error", () => res.writeHead(502).end());
      upstreamReq.end(Buffer.concat(chunks));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
