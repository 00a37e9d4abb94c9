// A pass-through HTTP proxy in front of a real server (the keys service, or kube-apiserver over TLS) for one
// process under test: requests and responses stream through unchanged (watches included), and every call
// whose response has been sent back is reported, so a test can act on "call X has passed" — e.g. kill the
// caller at that moment (kill-points.ts). Once held, the proxy forwards nothing more: whatever the caller
// sends after the call that tripped the test never reaches the server.
import { once } from "node:events";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";

/** A call whose response went back to the caller. The request body is kept for matching, never printed. */
export interface PassedCall {
  method: string;
  /** The path without the query string. */
  path: string;
  status: number;
  requestBody: string;
}

export interface PassThroughProxy {
  url: string;
  /** Every call seen, in order (method, path and status only). */
  readonly calls: readonly Omit<PassedCall, "requestBody">[];
  /** From now on nothing is forwarded: new requests wait, unanswered, until the caller goes away. */
  hold(): void;
  /** Forward again (for the next process under test). */
  release(): void;
  close(): Promise<void>;
}

export interface PassThroughOptions {
  upstream: string;
  /** The upstream's CA (PEM), for an https upstream. */
  ca?: string;
  /** Called once per call, after its response was sent back. */
  onPassed?: (call: PassedCall) => void;
}

const MAX_BODY = 256 * 1024;

export async function startPassThroughProxy(options: PassThroughOptions): Promise<PassThroughProxy> {
  const target = new URL(options.upstream);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const calls: Omit<PassedCall, "requestBody">[] = [];
  let holding = false;

  const server: Server = createServer((req: IncomingMessage, res) => {
    if (holding) return; // never answered: the caller is about to be killed
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    const body: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      if (size < MAX_BODY) body.push(c);
      size += c.length;
    });
    const upstream = send(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method,
        headers: { ...req.headers, host: target.host },
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (up) => {
        const status = up.statusCode ?? 502;
        res.writeHead(status, up.headers);
        up.pipe(res);
        res.on("finish", () => {
          calls.push({ method, path, status });
          options.onPassed?.({ method, path, status, requestBody: Buffer.concat(body).toString("utf8") });
        });
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on("close", () => {
      // The caller went away (or was killed) before the answer: so does the upstream request.
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
