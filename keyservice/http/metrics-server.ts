// /metrics on its own listener (--metrics-listen): Prometheus scrapes it on an address the API's clients
// need not reach, and a scrape only reads counters kept in memory.
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export function createMetricsServer(registry: Registry): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found: this listener serves GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { "content-type": registry.contentType });
        res.end(text);
      },
      () => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("metrics failed\n");
      },
    );
  });
}
