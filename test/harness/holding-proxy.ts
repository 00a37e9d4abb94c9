// A keys-API proxy that holds chosen requests unanswered (never forwarded) until the caller gives up, lets a
// test act between a request's execution and its answer (kill the caller there), and
// counts, per ApiKey, how many callers are in flight at once — from the ApiKey uid the controller puts in
// its Idempotency-Key (`ayra-keys/<uid>/…`) or in the request's metadata.
import { once } from "node:events";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HoldingProxy {
  url: string;
  /** Requests held so far, and how many of those the caller abandoned (closed its connection). */
  stats: { held: number; abandoned: number; forwarded: number };
  /** The most callers in flight at once for one ApiKey uid. */
  maxConcurrent(uid: string): number;
  close(): Promise<void>;
}

export interface HoldingProxyOptions {
  /** Hold this request (it is never forwarded): called with the method, path and parsed JSON body. */
  hold: (method: string, path: string, body: unknown) => boolean;
  /** Called once the keys service has executed a forwarded request, before its answer goes back. */
  beforeAnswer?: (method: string, path: string) => Promise<void> | void;
}

function uidOf(req: IncomingMessage, body: unknown): string | undefined {
  const idem = req.headers["idempotency-key"];
  const match = typeof idem === "string" ? /^ayra-keys\/([^/]+)\//.exec(idem) : null;
  if (match) return match[1];
  const metadata = (body as { metadata?: Record<string, string> } | undefined)?.metadata;
  return metadata?.k8s_uid;
}

export async function startHoldingProxy(
  upstream: string,
  options: HoldingProxyOptions,
): Promise<HoldingProxy> {
  const target = new URL(upstream);
  const stats = { held: 0, abandoned: 0, forwarded: 0 };
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString("utf8")) : undefined;
      } catch {
        body = undefined;
      }
      const uid = uidOf(req, body);
      let ended = false;
      const end = () => {
        if (ended || uid === undefined) return;
        ended = true;
        inFlight.set(uid, (inFlight.get(uid) ?? 1) - 1);
      };
      if (uid !== undefined) {
        const now = (inFlight.get(uid) ?? 0) + 1;
        inFlight.set(uid, now);
        peak.set(uid, Math.max(peak.get(uid) ?? 0, now));
      }
      if (options.hold(req.method ?? "GET", req.url ?? "/", body)) {
        stats.held++;
        res.on("close", () => {
          stats.abandoned++;
          end();
        });
        return;
      }
      const up = request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on("data", (c: Buffer) => body.push(c));
          answer.on("end", () => {
            void Promise.resolve(options.beforeAnswer?.(req.method ?? "GET", req.url ?? "/")).then(() => {
              stats.forwarded++;
              end();
              if (!res.destroyed)
                res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body));
            });
          });
        },
      );
      res.on("close", end);
      up.on("error", () => res.writeHead(502).end());
      up.end(raw);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    maxConcurrent: (uid) => peak.get(uid) ?? 0,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
