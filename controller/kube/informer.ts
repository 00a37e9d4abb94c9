// A list-and-watch cache that owns its restarts (client-node's informer can stop for good after an error):
// capped exponential backoff, relist on 410 Gone, bookmarks to keep the resourceVersion fresh, and a health
// flag the readiness probe reads. The cache keeps a projection of each object (managedFields always dropped).
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createInterface } from "node:readline";
import type { Logger } from "pino";
import { KubeApiError, type KubeRest } from "./rest.ts";
import { type KubeList, type KubeObject, objectKey } from "./types.ts";

export type InformerEvent = "add" | "update" | "delete";

export interface InformerOptions<T extends KubeObject> {
  name: string;
  rest: KubeRest;
  /** Collection path, e.g. /api/v1/namespaces/ns/secrets. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  logger: Logger;
  /** What the cache keeps of each object (see projections.ts); by default all but managedFields. */
  project?: (obj: T) => T;
  onEvent?: (event: InformerEvent, obj: T) => void;
  /** After each full list (the first and every relist) has been applied; `startedAt` is when it began. */
  onListed?: (startedAt: number) => void;
  /** Waits between retries; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  maxBackoffMs?: number;
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class Informer<T extends KubeObject> {
  readonly name: string;
  readonly #o: InformerOptions<T>;
  readonly #items = new Map<string, T>();
  #resourceVersion = "";
  #stopped = false;
  #synced = false;
  #healthy = false;
  #abort: AbortController | undefined;
  #syncWaiters: (() => void)[] = [];
  #loop: Promise<void> | undefined;

  constructor(options: InformerOptions<T>) {
    this.name = options.name;
    this.#o = options;
  }

  get synced(): boolean {
    return this.#synced;
  }
  /** False while the last list or watch failed and a retry is pending. */
  get healthy(): boolean {
    return this.#healthy;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }
  list(): T[] {
    return [...this.#items.values()];
  }
  get size(): number {
    return this.#items.size;
  }

  /** Starts the loop; resolves once the first list has been cached. */
  start(): Promise<void> {
    this.#stopped = false;
    this.#loop ??= this.#run();
    return this.#synced ? Promise.resolve() : new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  async #run(): Promise<void> {
    let failures = 0;
    const sleep = this.#o.sleep ?? sleepReal;
    while (!this.#stopped) {
      try {
        if (this.#resourceVersion === "") await this.#list();
        this.#healthy = true;
        failures = 0;
        await this.#watch();
      } catch (error) {
        if (this.#stopped) break;
        if (error instanceof KubeApiError && error.status === 410) {
          this.#resourceVersion = "";
          continue;
        }
        failures++;
        this.#healthy = false;
        const delay = Math.min(this.#o.maxBackoffMs ?? 30_000, 250 * 2 ** Math.min(failures, 10));
        this.#o.logger.warn({ informer: this.name, err: error, retryInMs: delay }, "list/watch failed");
        await sleep(delay);
      }
    }
  }

  async #list(): Promise<void> {
    const startedAt = Date.now();
    const fresh = new Map<string, T>();
    let token: string | undefined;
    let rv = "";
    do {
      const page = await this.#o.rest.get<KubeList<T>>(this.#o.path, {
        labelSelector: this.#o.labelSelector,
        fieldSelector: this.#o.fieldSelector,
        limit: 500,
        continue: token,
      });
      for (const item of page.items) fresh.set(objectKey(item), this.#project(item));
      token = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? "";
    } while (token !== undefined);
    for (const [key, old] of this.#items)
      if (!fresh.has(key)) this.#items.delete(key) && this.#emit("delete", old);
    for (const [key, obj] of fresh) {
      const old = this.#items.get(key);
      this.#items.set(key, obj);
      if (old === undefined) this.#emit("add", obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.#emit("update", obj);
    }
    this.#resourceVersion = rv;
    this.#healthy = true;
    try {
      this.#o.onListed?.(startedAt);
    } catch (error) {
      this.#o.logger.error({ informer: this.name, err: error }, "list handler failed");
    }
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  #project(obj: T): T {
    return this.#o.project ? this.#o.project(obj) : slim(obj);
  }

  #emit(event: InformerEvent, obj: T): void {
    try {
      this.#o.onEvent?.(event, obj);
    } catch (error) {
      this.#o.logger.error({ informer: this.name, err: error }, "event handler failed");
    }
  }

  async #watch(): Promise<void> {
    const { rest } = this.#o;
    const { url, options } = await rest.connection(this.#o.path, {
      watch: 1,
      allowWatchBookmarks: true,
      resourceVersion: this.#resourceVersion,
      timeoutSeconds: 240 + Math.floor(Math.random() * 120),
      labelSelector: this.#o.labelSelector,
      fieldSelector: this.#o.fieldSelector,
    });
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = send(url, { ...options, signal }, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.resume();
          rest.report({
            verb: "WATCH",
            resource: this.name,
            status,
            durationMs: performance.now() - started,
          });
          reject(new KubeApiError(status, "WatchFailed", `watch ${this.#o.path} answered ${status}`));
          return;
        }
        const lines = createInterface({ input: res });
        let failed: Error | undefined;
        lines.on("line", (line) => {
          if (line.trim() === "" || failed) return;
          try {
            this.#handle(
              JSON.parse(line) as { type: string; object: T & { code?: number; message?: string } },
            );
          } catch (error) {
            failed = error instanceof Error ? error : new Error(String(error));
            req.destroy(failed);
          }
        });
        res.on("error", reject);
        // readline re-emits the stream's errors; they are handled through `res` above.
        lines.on("error", () => undefined);
        res.on("close", () => {
          rest.report({
            verb: "WATCH",
            resource: this.name,
            status,
            durationMs: performance.now() - started,
          });
          if (failed) reject(failed);
          else resolve();
        });
      });
      req.on("error", (error) => (this.#stopped ? resolve() : reject(error)));
      req.end();
    });
  }

  #handle(event: { type: string; object: T & { code?: number; message?: string } }): void {
    const obj = event.object;
    switch (event.type) {
      case "ADDED":
      case "MODIFIED": {
        const slimmed = this.#project(obj);
        const key = objectKey(slimmed);
        const existed = this.#items.has(key);
        this.#items.set(key, slimmed);
        this.#emit(existed ? "update" : "add", slimmed);
        break;
      }
      case "DELETED": {
        const key = objectKey(obj);
        this.#items.delete(key);
        this.#emit("delete", this.#project(obj));
        break;
      }
      case "BOOKMARK":
        break;
      case "ERROR":
        throw new KubeApiError(obj.code ?? 500, "WatchError", obj.message ?? "watch error");
      default:
        return;
    }
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
  }
}

function slim<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
  return obj;
}
