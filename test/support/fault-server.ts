import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

// A scripted HTTP server on 127.0.0.1 for the client's own fault-injection tests — not the keys service.

export interface RecordedRequest {
  method: string;
  /** Path and raw query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: unknown; raw?: string }
  /** Never answer: lets the client's timeout fire. */
  | "hang"
  /** Drop the connection without an answer. */
  | "drop";

export type Handler = (request: RecordedRequest, index: number) => Reply;

export interface FaultServer {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Replies in order, repeating the last one. */
export function script(...replies: Reply[]): Handler {
  return (_request, index) => replies[Math.min(index, replies.length - 1)] ?? { status: 500 };
}

/** A request id in the documented shape, distinct per request. */
export function requestIdFor(index: number): string {
  return `req_${String(index).padStart(24, "0")}`;
}

export async function startFaultServer(handler: Handler): Promise<FaultServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    const index = requests.push(recorded) - 1;
    const reply = handler(recorded, index);
    if (reply === "hang") return;
    if (reply === "drop") {
      req.socket.destroy();
      return;
    }
    const text = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
    res.writeHead(reply.status, {
      "x-request-id": requestIdFor(index),
      ...(reply.raw === undefined && text !== "" ? { "content-type": "application/json" } : {}),
      ...reply.headers,
    });
    res.end(text);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
