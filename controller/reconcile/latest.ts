// Objects this controller wrote more recently than its informers have shown: the next reconcile reads these
// instead of a stale cache entry, until the cache holds the same or a later resourceVersion (or 30 s pass).
// resourceVersions are compared as numbers (etcd revisions) only to tell "older" from "newer or equal";
// a non-numeric one makes the cache win.
import type { KubeObject } from "../kube/types.ts";

function notOlder(cached: string | undefined, mine: string | undefined): boolean {
  if (cached === undefined || mine === undefined) return true;
  if (cached === mine) return true;
  if (!/^\d+$/.test(cached) || !/^\d+$/.test(mine)) return true;
  return BigInt(cached) >= BigInt(mine);
}

export class LatestWrites<T extends KubeObject> {
  readonly #items = new Map<string, { obj: T; at: number }>();
  readonly #now: () => number;
  readonly #project: (obj: T) => T;
  /** `project` trims a written object as the informer's cache would (see kube/projections.ts). */
  constructor(now: () => number, project: (obj: T) => T = (obj) => obj) {
    this.#now = now;
    this.#project = project;
  }
  remember(key: string, obj: T): void {
    this.#items.set(key, { obj: this.#project(obj), at: this.#now() });
  }
  /** Called for every informer event: once the cache holds our write (or a later one), forget it. */
  observe(key: string, obj: T | undefined): void {
    const mine = this.#items.get(key);
    if (mine === undefined) return;
    if (obj === undefined || notOlder(obj.metadata.resourceVersion, mine.obj.metadata.resourceVersion))
      this.#items.delete(key);
  }
  pick(key: string, cached: T | undefined): T | undefined {
    const mine = this.#items.get(key);
    if (mine === undefined) return cached;
    if (
      this.#now() - mine.at > 30_000 ||
      (cached !== undefined && notOlder(cached.metadata.resourceVersion, mine.obj.metadata.resourceVersion))
    ) {
      this.#items.delete(key);
      return cached;
    }
    return mine.obj;
  }
}
