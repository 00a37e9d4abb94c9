// A small Kubernetes REST client on node:https with a keep-alive agent: every verb the controller uses, typed
// errors classified by status (never by message), and one hook that sees every request (metrics, tests).
// KubeAccess (kubeconfig.ts) supplies the server, TLS material and credentials; KubeCredentials keeps the
// credential fresh (a token file re-read every minute, an exec plugin re-run at expiry), and a 401 drops it
// so the request is retried once with a fresh one.
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
import type { KubeAccess } from "./kubeconfig.ts";
import { KubeCredentials } from "./kubeconfig-credentials.ts";

export type Verb = "GET" | "LIST" | "WATCH" | "CREATE" | "UPDATE" | "PATCH" | "DELETE";

export interface KubeRequestInfo {
  verb: Verb;
  /** The resource (plural, with subresource): "secrets", "apikeys/status", "leases". */
  resource: string;
  status: number | null;
  durationMs: number;
}

export class KubeApiError extends Error {
  static {
    KubeApiError.prototype.name = "KubeApiError";
  }
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

export const isNotFound = (e: unknown) => e instanceof KubeApiError && e.status === 404;
export const isConflict = (e: unknown) => e instanceof KubeApiError && e.status === 409;
export const isAlreadyExists = (e: unknown) =>
  e instanceof KubeApiError && e.status === 409 && e.reason === "AlreadyExists";
export const isGone = (e: unknown) => e instanceof KubeApiError && e.status === 410;

export interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Resolve with the body as text instead of parsed JSON. */
  text?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Per call: aborting the signal aborts the request (a reconcile past its timeout stops writing). */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface KubeRestOptions {
  access: KubeAccess;
  onRequest?: (info: KubeRequestInfo) => void;
  maxSockets?: number;
  userAgent?: string;
}

export interface Connection {
  url: URL;
  options: RequestOptions;
}

export class KubeRest {
  readonly server: URL;
  readonly #onRequest: ((info: KubeRequestInfo) => void) | undefined;
  readonly #agent: HttpAgent;
  readonly #userAgent: string;
  readonly credentials: KubeCredentials;

  constructor(options: KubeRestOptions) {
    this.server = new URL(options.access.server);
    this.#onRequest = options.onRequest;
    this.#userAgent = options.userAgent ?? "ayra-keys-controller";
    this.credentials = new KubeCredentials(options.access);
    const a = options.access;
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets ?? 64,
      ...(a.ca ? { ca: a.ca } : {}),
      ...(a.cert ? { cert: a.cert } : {}),
      ...(a.key ? { key: a.key } : {}),
      ...(a.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}),
      ...(a.tlsServerName ? { servername: a.tlsServerName } : {}),
    };
    this.#agent =
      this.server.protocol === "https:" ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  /** A prepared connection (URL and options) for a streaming request such as a watch. */
  async connection(path: string, query: RequestSpec["query"] = {}): Promise<Connection> {
    const url = new URL(path, this.server);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const credential = await this.credentials.current();
    return {
      url,
      options: {
        method: "GET",
        agent: this.#agent,
        // An exec plugin's client certificate goes with the request (the agent pools sockets per certificate).
        ...(credential.cert !== undefined ? { cert: credential.cert, key: credential.key } : {}),
        headers: {
          ...(credential.token ? { authorization: `Bearer ${credential.token}` } : {}),
          accept: "application/json",
          "user-agent": this.#userAgent,
        },
      },
    };
  }

  report(info: KubeRequestInfo): void {
    // Unauthorized: the credential expired or was revoked early; the next request reads or runs afresh.
    if (info.status === 401) this.credentials.invalidate();
    try {
      this.#onRequest?.(info);
    } catch {
      // a metrics hook never fails a request
    }
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    try {
      return await this.#send<T>(spec);
    } catch (error) {
      // Once: a fresh token or exec credential cures a 401; a static one would only fail again.
      if (!(error instanceof KubeApiError && error.status === 401 && this.credentials.refreshable))
        throw error;
      return this.#send<T>(spec);
    }
  }

  async #send<T>(spec: RequestSpec): Promise<T> {
    const { url, options } = await this.connection(spec.path, spec.query);
    const body = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
    const headers: Record<string, string> = { ...(options.headers as Record<string, string>) };
    if (body !== undefined) {
      headers["content-type"] = spec.contentType ?? "application/json";
      headers["content-length"] = String(body.length);
    }
    const started = performance.now();
    const verb = verbOf(spec);
    const resource = resourceOf(spec.path);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { ...options, method: spec.method, headers, signal: spec.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          this.report({ verb, resource, status, durationMs: performance.now() - started });
          const text = Buffer.concat(chunks).toString("utf8");
          if (status >= 200 && status < 300) {
            resolve((spec.text ? text : text === "" ? undefined : JSON.parse(text)) as T);
            return;
          }
          let reason = "Unknown";
          let message = `${spec.method} ${url.pathname} answered ${status}`;
          try {
            const parsed = JSON.parse(text) as { reason?: string; message?: string };
            reason = parsed.reason ?? reason;
            if (parsed.message) message = `${message}: ${parsed.message}`;
          } catch {
            // not a Status object
          }
          reject(new KubeApiError(status, reason, message));
        });
      });
      req.setTimeout(spec.timeoutMs ?? 30_000, () =>
        req.destroy(new Error(`${spec.method} ${url.pathname} timed out`)),
      );
      req.on("error", (error) => {
        this.report({ verb, resource, status: null, durationMs: performance.now() - started });
        reject(error);
      });
      req.end(body);
    });
  }

  get<T>(path: string, query?: RequestSpec["query"], options: CallOptions = {}): Promise<T> {
    return this.request<T>({ method: "GET", path, query, ...options });
  }
  create<T>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.request<T>({ method: "POST", path, body, ...options });
  }
  replace<T>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.request<T>({ method: "PUT", path, body, ...options });
  }
  mergePatch<T>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.request<T>({
      method: "PATCH",
      path,
      body,
      contentType: "application/merge-patch+json",
      ...options,
    });
  }
  strategicPatch<T>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.request<T>({
      method: "PATCH",
      path,
      body,
      contentType: "application/strategic-merge-patch+json",
      ...options,
    });
  }
  delete<T>(path: string, options: CallOptions = {}): Promise<T> {
    return this.request<T>({ method: "DELETE", path, ...options });
  }

  close(): void {
    this.#agent.destroy();
  }
}

function verbOf(spec: RequestSpec): Verb {
  switch (spec.method) {
    case "GET":
      return spec.query?.watch ? "WATCH" : isNamedPath(spec.path) ? "GET" : "LIST";
    case "POST":
      return "CREATE";
    case "PUT":
      return "UPDATE";
    case "PATCH":
      return "PATCH";
    case "DELETE":
      return "DELETE";
  }
}

// /api/v1/namespaces/x/secrets → list; /api/v1/namespaces/x/secrets/name → get.
function segments(path: string): string[] {
  const parts = path.split("?")[0]?.split("/").filter(Boolean) ?? [];
  const start = parts[0] === "api" ? 2 : 3; // api/v1 or apis/group/version
  return parts.slice(start);
}

function isNamedPath(path: string): boolean {
  const rest = segments(path);
  if (rest[0] === "namespaces" && rest.length >= 3) return rest.length >= 4;
  return rest.length >= 2;
}

export function resourceOf(path: string): string {
  const rest = segments(path);
  const r = rest[0] === "namespaces" && rest.length >= 3 ? rest.slice(2) : rest;
  return r.length >= 3 ? `${r[0]}/${r[2]}` : (r[0] ?? "");
}
