// Request bodies in, JSON responses out. Bodies are bounded before they are read; every answer carries
// the request id and is never cached (a create or roll response holds a key).
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./api-error.ts";

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > maxBytes)
    throw new ApiError("body_too_large", `The request body must be at most ${maxBytes} bytes.`);
  // Listeners rather than an async iterator: this runs on every request, and the iterator's extra
  // promises per chunk are measurable at tens of thousands of requests a second.
  const { chunks, size } = await new Promise<{ chunks: Buffer[]; size: number }>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners("data");
        req.resume();
        reject(new ApiError("body_too_large", `The request body must be at most ${maxBytes} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve({ chunks, size }));
    req.once("error", reject);
  });
  if (size === 0) return undefined;
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw new ApiError(
      "unsupported_media_type",
      "Send the request body as JSON with Content-Type: application/json.",
    );
  const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("invalid_json", "The request body is not valid JSON.");
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(payload);
}
