// Revocation when an ApiKey is gone, without a finalizer: from the informer's delete event, and from a sweep
// after every relist of ApiKeys (deletes missed while the controller was down or not leading). Which keys
// go is decided in core/planner/retire.ts; this only performs it, one pass at a time.
import type { Logger } from "pino";
import type { KeysClient } from "../../core/client/index.ts";
import { revokeUnlessGone } from "../../core/client/revoke-unless-gone.ts";
import { keysToRetire, nextSweepAt, SWEEP_MARGIN_MS, strayKeysOfDeleted } from "../../core/planner/retire.ts";
import type { ControllerMetrics } from "../metrics.ts";
import type { ApiKeyObject } from "../reconcile/objects.ts";
import type { KeyFacts } from "./key-facts.ts";

export interface RetirementOptions {
  keys: KeysClient;
  facts: KeyFacts;
  logger: Logger;
  metrics: ControllerMetrics;
  clusterId: string;
  /** False when the cluster id is a fallback: the sweep then revokes nothing. */
  clusterIdResolved: boolean;
  namespace: string | undefined;
  exists: (uid: string) => boolean;
  /** Timers (a test's fake clock, or the real ones). */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => void;
  /** Each revocation (retries included) is aborted after this long; the next sweep finds the key again. */
  callTimeoutMs?: number;
}

/** The default bound on one revocation call, retries included. */
export const REVOKE_TIMEOUT_MS = 30_000;

export class Retirement {
  readonly #o: RetirementOptions;
  readonly #stop = new AbortController();
  #chain: Promise<void> = Promise.resolve();
  #resweepAt: number | null = null;

  constructor(options: RetirementOptions) {
    this.#o = options;
  }

  /** An ApiKey was deleted (its last state): revoke its keys unless it said Retain. */
  deleted(obj: ApiKeyObject): void {
    const { clusterId, facts } = this.#o;
    const owner = {
      clusterId,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
    };
    this.#run(
      "deleted ApiKey",
      () => keysToRetire(owner, obj.spec, facts.recordsFor(obj.metadata.uid)),
      () => facts.forget(obj.metadata.uid),
    );
  }

  /** After a relist: keys of ApiKeys that no longer exist. */
  sweep(listedAt: number): void {
    const { facts, clusterIdResolved, clusterId, namespace, exists } = this.#o;
    if (!facts.complete) return;
    const scope = {
      clusterId: clusterIdResolved ? clusterId : undefined,
      namespace,
      exists,
      listedAt: listedAt - SWEEP_MARGIN_MS,
    };
    this.#run("sweep", () => strayKeysOfDeleted(scope, facts.all()));
    this.#resweep(nextSweepAt(scope, facts.all(), SWEEP_MARGIN_MS));
  }

  /** A key left alone only for its age is swept once it is old enough, not at the next relist (minutes away). */
  #resweep(at: number | null): void {
    if (at === null || (this.#resweepAt !== null && this.#resweepAt <= at)) return;
    this.#resweepAt = at;
    const now = this.#o.now ?? Date.now;
    const setTimer = this.#o.setTimer ?? ((fn: () => void, ms: number) => void setTimeout(fn, ms).unref());
    setTimer(
      () => {
        this.#resweepAt = null;
        this.sweep(now());
      },
      Math.max(0, at - now()),
    );
  }

  /** Resolves when every pass queued so far has finished. */
  idle(): Promise<void> {
    return this.#chain;
  }

  /** Aborts the revocation in flight and every pass not begun; resolves when none is running. */
  stop(): Promise<void> {
    this.#stop.abort(new Error("the controller is stopping"));
    return this.#chain;
  }

  #run(what: string, pick: () => string[], after?: () => void): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#stop.signal.aborted) return;
      const ids = pick();
      const timeoutMs = this.#o.callTimeoutMs ?? REVOKE_TIMEOUT_MS;
      try {
        for (const id of ids) {
          const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(timeoutMs)]);
          const done = await revokeUnlessGone(this.#o.keys, id, { reason: "project_ended" }, { signal });
          if (done !== undefined) this.#o.metrics.revocations.inc({ reason: "project_ended" });
          this.#o.facts.markRevoked(id);
        }
        if (ids.length > 0)
          this.#o.logger.info({ revoked: ids, by: what }, "revoked the keys of a deleted ApiKey");
        after?.();
      } catch (error) {
        // The next sweep finds what is left.
        if (!this.#stop.signal.aborted) this.#o.metrics.revocationFailures.inc({ reason: "project_ended" });
        this.#o.logger.warn({ err: error, by: what }, "revocation failed");
      }
    });
  }
}
