// Several nodes on one PostgreSQL: each node learns what the others changed with one query per interval
// (keys whose updated_at moved), instead of refetching every cached key when a short TTL runs out. A
// revocation on another node therefore takes effect here within one interval. Deadlines need no sync:
// every request evaluates them against the clock.
import type { ServiceDeps } from "./context.ts";

/** How far back each pass looks past the previous one: covers transactions that commit late. */
const OVERLAP_MS = 5_000;

export function cacheSync(deps: ServiceDeps): () => Promise<void> {
  let since = deps.now() - OVERLAP_MS;
  return async () => {
    const now = deps.now();
    const rows = await deps.db.query("SELECT id FROM api_keys WHERE updated_at >= $1", [since - OVERLAP_MS]);
    for (const row of rows) deps.cache.invalidate(String(row.id));
    since = now;
  };
}
