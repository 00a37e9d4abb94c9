// The reconcile loop: queue handling in one place (style 6). Each reconcile gets an AbortSignal that fires at
// its timeout; every Kubernetes and keys-API call of that reconcile takes the signal, so a timed-out reconcile
// stops, and its key is released only once it has stopped — never two workers on one ApiKey.
import type { Logger } from "pino";
import type { ControllerMetrics } from "../metrics.ts";
import type { ReconcileDeps } from "../reconcile/deps.ts";
import { reconcile, TerminalError } from "../reconcile/reconciler.ts";
import type { Timers } from "../runtime/clock.ts";
import type { WorkQueue } from "../runtime/work-queue.ts";

export class ReconcileTimeoutError extends Error {
  static {
    ReconcileTimeoutError.prototype.name = "ReconcileTimeoutError";
  }
}

export interface ReconcileLoopOptions {
  queue: WorkQueue;
  deps: ReconcileDeps;
  logger: Logger;
  metrics: ControllerMetrics;
  timers: Timers;
  timeoutMs: number;
}

export function startReconcileLoop(options: ReconcileLoopOptions, concurrency: number): Promise<void>[] {
  const { queue, deps, logger, metrics, timers, timeoutMs } = options;
  let seq = 0;
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const log = logger.child({ reconcile: ++seq, apiKey: key });
      const started = performance.now();
      const abort = new AbortController();
      const timer = timers.setTimeout(
        () => abort.abort(new ReconcileTimeoutError(`reconcile timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      try {
        const result = await reconcile(deps, key, log, abort.signal);
        queue.forget(key);
        if ("requeueAfterMs" in result) {
          queue.addAfter(key, result.requeueAfterMs);
          metrics.reconciles.inc({ result: "requeue" });
        } else {
          metrics.reconciles.inc({ result: "done" });
        }
      } catch (thrown) {
        const error = abort.signal.aborted ? abort.signal.reason : thrown;
        const kind = error instanceof Error ? error.name : "unknown";
        metrics.reconciles.inc({ result: "error" });
        metrics.reconcileErrors.inc({ kind });
        if (error instanceof TerminalError) {
          queue.forget(key);
          log.error({ err: error }, "reconcile failed for good");
        } else {
          const delay = queue.addRateLimited(key);
          log.warn({ err: error, retryInMs: delay }, "reconcile failed; retrying");
        }
      } finally {
        timers.clearTimeout(timer);
        metrics.reconcileDuration.observe((performance.now() - started) / 1000);
        queue.done(key);
      }
    }
  };
  return Array.from({ length: concurrency }, () => worker());
}
