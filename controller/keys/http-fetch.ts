// The keys client's HTTP call over node:http/https. The controller loads those modules anyway (the
// Kubernetes API), while the global fetch brings in undici, which costs the process about 14 MB of RSS.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { KeysFetch, KeysFetchResponse } from "../../core/client/index.ts";

function headerReader(headers: IncomingHttpHeaders): KeysFetchResponse["headers"] {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/** Reads the whole body before resolving; never follows redirects (the client asks for `manual`). */
export const httpFetch: KeysFetch = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const body = init.body === null ? undefined : Buffer.from(init.body, "utf8");
    const headers =
      body === undefined ? init.headers : { ...init.headers, "content-length": String(body.length) };
    const req = send(target, { method: init.method, headers, signal: init.signal }, (res) => {
      const chunks: Buffer[] = [];
      let ended = false;
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        ended = true;
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: headerReader(res.headers), text: async () => text });
      });
      res.on("error", reject);
      res.on("close", () => {
        if (!ended) reject(init.signal.aborted ? init.signal.reason : new Error("the response ended early"));
      });
    });
    req.on("error", (error) => reject(init.signal.aborted ? init.signal.reason : error));
    req.end(body);
  });
