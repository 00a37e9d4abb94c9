// /healthz (the process answers), /readyz (caches synced and healthy, keys facts known when leading) and
// /metrics (Prometheus text) on one small HTTP server.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HttpServerOptions {
  host: string;
  port: number;
  registry: Registry;
  ready: () => { ok: boolean; detail: Record<string, unknown> };
  beforeScrape?: () => void;
}

export async function startHttpServer(options: HttpServerOptions): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    if (path === "/readyz") {
      const { ok, detail } = options.ready();
      res
        .writeHead(ok ? 200 : 503, { "content-type": "application/json" })
        .end(`${JSON.stringify({ ready: ok, ...detail })}\n`);
      return;
    }
    if (path === "/metrics") {
      options.beforeScrape?.();
      options.registry
        .metrics()
        .then((text) => res.writeHead(200, { "content-type": options.registry.contentType }).end(text))
        .catch((error: unknown) => res.writeHead(500).end(String(error)));
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(options.port, options.host);
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const host = address.address.includes(":") ? `[${address.address}]` : address.address;
  return { server, url: `http://${host}:${address.port}` };
}
