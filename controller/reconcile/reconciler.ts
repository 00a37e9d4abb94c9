// One reconcile of one ApiKey: gather → plan → act, repeated on the fresh state until the planner says to
// wait (so a new ApiKey goes from nothing to Ready in one pass). One result type: done, or requeue after.
import { plan } from "../../core/planner/plan.ts";
import { act } from "./act.ts";
import type { ReconcileDeps } from "./deps.ts";
import { gather, type SecretLookups } from "./gather.ts";

export type ReconcileResult = { done: true } | { requeueAfterMs: number };

/** An error that retrying cannot fix. */
export class TerminalError extends Error {
  static {
    TerminalError.prototype.name = "TerminalError";
  }
}

const MAX_STEPS = 16;

export async function reconcile(
  deps: ReconcileDeps,
  key: string,
  log: { debug: (o: object, m: string) => void },
  signal?: AbortSignal,
): Promise<ReconcileResult> {
  const lookups: SecretLookups = new Map();
  for (let step = 0; step < MAX_STEPS; step++) {
    signal?.throwIfAborted();
    const g = await gather(deps, key, { lookups, signal });
    if (g === undefined) return { done: true };
    const decision = plan(g.snapshot);
    log.debug({ step, action: decision.action, why: decision.why }, "decided");
    if (decision.action !== "wait")
      deps.metrics.actions.inc({ action: decision.action, reason: decision.why });
    const result = await act(deps, g, decision, signal);
    if (!result.continue)
      return result.requeueAfterMs === null ? { done: true } : { requeueAfterMs: result.requeueAfterMs };
  }
  // A loop that keeps acting is a bug or a fight with another writer: look again shortly, with backoff.
  throw new Error(`no steady state after ${MAX_STEPS} steps`);
}
