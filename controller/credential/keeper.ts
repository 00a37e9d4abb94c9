// The keeper of the controller's own keys-API key. Every replica reads the key from its credential Secret and
// hands it to the keys client on each call; the leader also rotates it: the planner (core/planner/credential.ts)
// says what to do next, carry-out.ts does it, and the keeper asks again and schedules the next look. A 401
// makes it read the Secret once more before it reports: someone else may have put a new key there.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { KeysClient } from "../../core/client/client.ts";
import { isUnauthenticated } from "../../core/client/errors.ts";
import type { ApiKey } from "../../core/client/types.ts";
import { type CredentialKeyFacts, planCredential } from "../../core/planner/credential.ts";
import type { EventRecorder } from "../kube/events.ts";
import { isConflict } from "../kube/rest.ts";
import { MAX_TIMER_MS, type Timers } from "../runtime/clock.ts";
import { carryOut, type HeldCredential, lockedOut, STUCK_RETRY_MS, writeObtained } from "./carry-out.ts";
import type { CredentialMetrics } from "./metrics.ts";
import type { CredentialSecretStore } from "./secret-store.ts";

export interface CredentialRotation {
  intervalMs: number;
  graceMs: number;
  /** The keys service's Idempotency-Key replay window. */
  replayWindowMs: number;
}

export interface CredentialKeeperOptions {
  store: CredentialSecretStore;
  /** Undefined: the key is read (and re-read on a 401) but never rotated. */
  rotation: CredentialRotation | undefined;
  metrics: CredentialMetrics;
  logger: Logger;
  timers: Timers;
  events?: EventRecorder;
  newIdempotencyKey?: () => string;
  /** Called when another key than the one in use was found in the Secret and taken up. */
  onAdopted?: () => void;
}

const STEPS_PER_PASS = 12;
const REREAD_EVERY_MS = 5_000;
const REFRESH_MS = 60_000;

export class CredentialKeeper {
  readonly #o: CredentialKeeperOptions;
  readonly #held: HeldCredential = { key: undefined, obtained: undefined, replayRefused: false };
  #keys: KeysClient | undefined;
  #timer: unknown;
  #running: Promise<void> | undefined;
  #stopped = false;
  #failures = 0;
  #lastReread = Number.NEGATIVE_INFINITY;

  constructor(options: CredentialKeeperOptions) {
    this.#o = options;
  }

  /** Reads the key before the first call; a missing Secret or an empty field fails the start, clearly. */
  async load(): Promise<void> {
    this.#held.key = (await this.#o.store.read()).value;
  }

  /** The key for the next call (the keys client asks on every attempt). */
  readonly apiKey = (): string => {
    const { key } = this.#held;
    if (key === undefined) throw new Error("the controller's credential has not been read yet");
    return key;
  };

  /** On leadership: rotate from now on. */
  lead(keys: KeysClient): void {
    this.#keys = keys;
    if (this.#o.rotation !== undefined) this.#schedule(0);
    // Another controller rotates the key (one per watched namespace shares the Secret): read it again well
    // within the grace, so the new key is taken up before the old one stops working.
    else {
      // The Secret may have changed while this replica waited for leadership.
      void this.#reread().catch((error: unknown) =>
        this.#o.logger.warn({ err: error }, "could not read the credential Secret"),
      );
      this.#refresh();
    }
  }

  #refresh(): void {
    if (this.#stopped) return;
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#running = this.#reread()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.#o.logger.warn({ err: error }, "could not read the credential Secret"),
        )
        .finally(() => this.#refresh());
    }, REFRESH_MS);
  }

  /** Seen a 401 from the keys API: read the Secret again (at most every few seconds). */
  unauthorized(): void {
    const now = this.#o.timers.now();
    if (this.#stopped || now - this.#lastReread < REREAD_EVERY_MS) return;
    this.#lastReread = now;
    void this.#reread().catch((error: unknown) =>
      this.#o.logger.warn({ err: error }, "could not read the credential Secret again after a 401"),
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#o.timers.clearTimeout(this.#timer);
    await this.#running;
  }

  /** True when the Secret held another key than the one in use, now adopted. */
  async #reread(): Promise<boolean> {
    const { value } = await this.#o.store.read();
    if (this.#held.obtained !== undefined || value === this.#held.key) return false;
    this.#held.key = value;
    this.#o.metrics.rotations.inc({ result: "adopted" });
    this.#o.logger.info({ where: this.#o.store.where }, "using the key now in the credential Secret");
    this.#o.onAdopted?.();
    return true;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#o.timers.clearTimeout(this.#timer);
    this.#timer = this.#o.timers.setTimeout(
      () => {
        this.#running = this.#run();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
  }

  async #run(): Promise<void> {
    const { timers, logger, metrics } = this.#o;
    try {
      const wakeAt = await this.#pass();
      this.#failures = 0;
      this.#schedule(wakeAt - timers.now());
    } catch (error) {
      if (isUnauthenticated(error)) {
        this.#lastReread = timers.now();
        if (await this.#reread().catch(() => false)) return this.#schedule(0);
        lockedOut(this.#o, "the keys API refuses the key in the credential Secret");
        return this.#schedule(STUCK_RETRY_MS);
      }
      this.#failures++;
      metrics.rotations.inc({ result: "failed" });
      logger.warn({ err: error, failures: this.#failures }, "credential upkeep failed; retrying");
      this.#schedule(Math.min(300_000, 1000 * 2 ** Math.min(this.#failures, 9)));
    }
  }

  /** Plans and acts until nothing is due; answers when to look again. */
  async #pass(): Promise<number> {
    const { store, timers, metrics, logger, events } = this.#o;
    const rotation = this.#o.rotation;
    const keys = this.#keys;
    if (rotation === undefined || keys === undefined) return Number.POSITIVE_INFINITY;
    const held = this.#held;
    const ctx = { store, metrics, logger, timers, events, keys, graceMs: rotation.graceMs, held };
    for (let step = 0; step < STEPS_PER_PASS && !this.#stopped; step++) {
      const snapshot = await store.read();
      if (held.obtained === undefined && snapshot.value !== held.key) {
        held.key = snapshot.value;
        metrics.rotations.inc({ result: "adopted" });
      }
      const old = await this.#describe(keys, snapshot.value);
      if (old === undefined && held.obtained !== undefined) {
        // The old key stopped working before its replacement reached the Secret: write the replacement now
        // (the controller is using it), with nothing left to revoke.
        try {
          await writeObtained(ctx, snapshot, { keyId: held.obtained.keyId, rotatedAt: timers.now() });
        } catch (error) {
          if (!isConflict(error)) throw error;
        }
        continue;
      }
      if (old === undefined) {
        lockedOut(this.#o, "the key in the credential Secret is no longer active");
        return timers.now() + STUCK_RETRY_MS;
      }
      const now = timers.now();
      const action = planCredential({
        record: snapshot.record,
        current: facts(old),
        ...(held.obtained ? { obtained: { keyId: held.obtained.keyId } } : {}),
        replayRefused: held.replayRefused,
        now,
        rotationIntervalMs: rotation.intervalMs,
        graceMs: rotation.graceMs,
        replayWindowMs: rotation.replayWindowMs,
        freshIdempotencyKey: (this.#o.newIdempotencyKey ?? randomUUID)(),
      });
      try {
        const wakeAt = await carryOut(ctx, action, snapshot, old);
        if (wakeAt !== undefined) return wakeAt;
      } catch (error) {
        // Someone else wrote the Secret since it was read: read it again and plan again.
        if (!isConflict(error)) throw error;
      }
    }
    return timers.now();
  }

  /** The Secret's key as the keys API describes it; undefined when it no longer authenticates as active. */
  async #describe(keys: KeysClient, value: string): Promise<ApiKey | undefined> {
    // Not a use of the key: a revoked one would otherwise be reported as still presented.
    const found = await keys.introspect(value, { recordUse: false });
    if (!found.active) return undefined;
    return keys.getKey(found.id);
  }
}

function facts(key: ApiKey): CredentialKeyFacts {
  const time = (t: string | null) => (t === null ? null : Date.parse(t));
  return {
    id: key.id,
    status: key.status,
    createdAt: Date.parse(key.created_at),
    expiresAt: time(key.expires_at),
    expiringAt: time(key.expiring_at),
    replacedBy: key.replaced_by,
  };
}
