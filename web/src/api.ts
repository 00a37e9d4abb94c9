// Every call the page makes: same-origin /v1 and /session, the session cookie as the credential (the
// browser sends it; the page never sees it), and X-CSRF-Token on every request that changes something.
import type { Session } from "./model/types.ts";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly param: string | undefined;
  constructor(status: number, code: string, message: string, requestId: string | null, param?: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.param = param;
  }
}

let csrfToken: string | null = null;
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request finds the session gone (expired, signed out elsewhere, its key revoked). */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken !== null) headers["x-csrf-token"] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    cache: "no-store",
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; param?: string } } | undefined)
      ?.error;
    const failure = new ApiError(
      res.status,
      error?.code ?? `http_${res.status}`,
      error?.message ?? `${method} ${path.split("?")[0]} failed with HTTP ${res.status}`,
      res.headers.get("x-request-id"),
      error?.param,
    );
    if (res.status === 401 && !path.startsWith("/session")) onSignedOut();
    throw failure;
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  delete: <T>(path: string) => request<T>("DELETE", path),
};

export async function currentSession(): Promise<Session | null> {
  try {
    return await api.get<Session>("/session");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function signIn(apiKey: string): Promise<Session> {
  return api.post<Session>("/session", { api_key: apiKey });
}

export function signOut(): Promise<void> {
  return api.delete<void>("/session");
}

export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}
