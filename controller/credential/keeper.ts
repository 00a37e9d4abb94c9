// The keeper of the controller's own keys-API key. Every replica reads the key from its credential Secret and
// hands it to the keys client on each call; the leader also rotates it: the planner (core/planner/credential.ts)
// says what to do next, the keeper does it — record the Idempotency-Key, roll, switch to the new key at once,
// write it into the Secret, revoke the old key after the grace — and asks again. A 401 makes it read the
// Secret once more before it reports: someone else may have put a new key there.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { KeysClient } from "../../core/client/client.ts";
import { isKeysApiError } from "../../core/client/errors.ts";
import { revokeUnlessGone } from "../../core/client/revoke-unless-gone.ts";
import type { ApiKey } from "../../core/client/types.ts";
import {
  type CredentialAction,
  type CredentialKeyFacts,
  planCredential,
} from "../../core/planner/credential.ts";
import type { EventRecorder } from "../kube/events.ts";
import { isConflict } from "../kube/rest.ts";
import { MAX_TIMER_MS, type Timers } from "../runtime/clock.ts";
import type { CredentialMetrics, CredentialResult } from "./metrics.ts";
import { sendReplacement } from "./replace.ts";
import type { CredentialSecretStore, CredentialSnapshot } from "./secret-store.ts";

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
const STUCK_RETRY_MS = 60_000;
const REREAD_EVERY_MS = 5_000;
const REFRESH_MS = 60_000;

export class CredentialKeeper {
  readonly #o: CredentialKeeperOptions;
  #key: string | undefined;
  /** A replacement switched to in memory and not yet in the Secret, and how it was had. */
  #obtained: { keyId: string; secret: string; result: CredentialResult } | undefined;
  #replayRefused = false;
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
    this.#key = (await this.#o.store.read()).value;
  }

  /** The key for the next call (the keys client asks on every attempt). */
  readonly apiKey = (): string => {
    if (this.#key === undefined) throw new Error("the controller's credential has not been read yet");
    return this.#key;
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
    if (this.#obtained !== undefined || value === this.#key) return false;
    this.#key = value;
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
      if (isKeysApiError(error) && error.status === 401) {
        this.#lastReread = timers.now();
        if (await this.#reread().catch(() => false)) return this.#schedule(0);
        this.#lockedOut("the keys API refuses the key in the credential Secret");
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
    const { store, timers, metrics } = this.#o;
    const rotation = this.#o.rotation;
    const keys = this.#keys;
    if (rotation === undefined || keys === undefined) return Number.POSITIVE_INFINITY;
    for (let step = 0; step < STEPS_PER_PASS && !this.#stopped; step++) {
      const snapshot = await store.read();
      if (this.#obtained === undefined && snapshot.value !== this.#key) {
        this.#key = snapshot.value;
        metrics.rotations.inc({ result: "adopted" });
      }
      const old = await this.#describe(keys, snapshot.value);
      if (old === undefined) {
        this.#lockedOut("the key in the credential Secret is no longer active");
        return timers.now() + STUCK_RETRY_MS;
      }
      const now = timers.now();
      const action = planCredential({
        record: snapshot.record,
        current: facts(old),
        ...(this.#obtained ? { obtained: { keyId: this.#obtained.keyId } } : {}),
        replayRefused: this.#replayRefused,
        now,
        rotationIntervalMs: rotation.intervalMs,
        graceMs: rotation.graceMs,
        replayWindowMs: rotation.replayWindowMs,
        freshIdempotencyKey: (this.#o.newIdempotencyKey ?? randomUUID)(),
      });
      try {
        const wakeAt = await this.#act(keys, action, snapshot, old, rotation);
        if (wakeAt !== undefined) return wakeAt;
      } catch (error) {
        // Someone else wrote the Secret since it was read: read it again and plan again.
        if (!isConflict(error)) throw error;
      }
    }
    return timers.now();
  }

  async #act(
    keys: KeysClient,
    action: CredentialAction,
    snapshot: CredentialSnapshot,
    old: ApiKey,
    rotation: CredentialRotation,
  ): Promise<number | undefined> {
    const { store, logger, metrics, timers } = this.#o;
    switch (action.kind) {
      case "none":
        metrics.lockedOut.set(0);
        if (action.nextRotationAt !== undefined) metrics.nextRotation.set(action.nextRotationAt / 1000);
        return action.wakeAt ?? Number.POSITIVE_INFINITY;
      case "stuck":
        this.#lockedOut(`the key in the credential Secret is ${action.status}`);
        return timers.now() + STUCK_RETRY_MS;
      case "start":
        // The Idempotency-Key is in the Secret before the request leaves: a crash after it can be recovered.
        await store.write(snapshot, { ...snapshot.record, pending: action.pending });
        this.#replayRefused = false;
        logger.info(
          { reason: action.reason, kind: action.pending.kind, keyId: old.id },
          "replacing the controller's keys-API key",
        );
        await this.#replace(
          keys,
          action.pending,
          old,
          rotation,
          action.pending.kind === "roll" ? "rotated" : "successor",
        );
        return undefined;
      case "replay":
        await this.#replace(
          keys,
          action.pending,
          old,
          rotation,
          action.pending.kind === "roll" ? "replayed" : "successor",
        );
        return undefined;
      case "write": {
        const obtained = this.#obtained;
        if (obtained === undefined) return undefined;
        await store.write(snapshot, action.record, obtained.secret);
        this.#obtained = undefined;
        metrics.rotations.inc({ result: obtained.result });
        logger.info(
          { keyId: obtained.keyId, previousKeyId: action.record.previous?.id, how: obtained.result },
          "the controller's new keys-API key is in its Secret",
        );
        this.#event(
          snapshot,
          "Normal",
          "CredentialRotated",
          `Now using key ${obtained.keyId}; key ${action.record.previous?.id ?? "?"} is revoked after the grace.`,
        );
        return undefined;
      }
      case "revoke-previous":
        // After a roll the service retires the old key itself at the grace's end; the revoke is for a key
        // whose deadline is later (a successor's predecessor), so a key already gone is only cleared.
        if (await stillWorks(keys, action.keyId))
          await revokeUnlessGone(keys, action.keyId, { reason: "replaced" });
        await store.write(snapshot, { ...snapshot.record, previous: undefined });
        metrics.rotations.inc({ result: "previous_revoked" });
        logger.info({ keyId: action.keyId }, "revoked the controller's replaced keys-API key");
        return undefined;
      case "forget-pending":
        await store.write(snapshot, { ...snapshot.record, pending: undefined });
        logger.warn(
          "the credential Secret holds another key than the one being replaced; replacement dropped",
        );
        return undefined;
    }
  }

  async #replace(
    keys: KeysClient,
    pending: Parameters<typeof sendReplacement>[1],
    old: ApiKey,
    rotation: CredentialRotation,
    result: CredentialResult,
  ): Promise<void> {
    const replaced = await sendReplacement(keys, pending, old, { graceMs: rotation.graceMs });
    if (!replaced.ok) {
      this.#replayRefused = true;
      this.#o.logger.warn(
        { keyId: old.id, orphanKeyId: old.replaced_by },
        "the keys service no longer replays the interrupted roll; minting a successor",
      );
      return;
    }
    if (replaced.orphanRevoked) this.#o.metrics.rotations.inc({ result: "orphan_revoked" });
    // Switched at once: the old key keeps working for the grace, so calls in flight with it still succeed.
    this.#obtained = { keyId: replaced.keyId, secret: replaced.secret, result };
    this.#key = replaced.secret;
  }

  /** The Secret's key as the keys API describes it; undefined when it no longer authenticates as active. */
  async #describe(keys: KeysClient, value: string): Promise<ApiKey | undefined> {
    const found = await keys.introspect(value);
    if (!found.active) return undefined;
    return keys.getKey(found.id);
  }

  #lockedOut(why: string): void {
    this.#o.metrics.lockedOut.set(1);
    this.#o.metrics.rotations.inc({ result: "failed" });
    this.#o.logger.error({ where: this.#o.store.where }, `${why}: put a working key there`);
  }

  #event(snapshot: CredentialSnapshot, type: "Normal" | "Warning", reason: string, message: string): void {
    const { metadata } = snapshot.secret;
    if (this.#o.events === undefined || metadata.uid === undefined) return;
    this.#o.events.record(
      {
        apiVersion: "v1",
        kind: "Secret",
        namespace: this.#o.store.ref.namespace,
        name: metadata.name,
        uid: metadata.uid,
      },
      type,
      reason,
      message,
    );
  }
}

async function stillWorks(keys: KeysClient, id: string): Promise<boolean> {
  try {
    const key = await keys.getKey(id);
    return key.status === "active" || key.status === "expiring";
  } catch (error) {
    if (isKeysApiError(error, "resource_missing")) return false;
    throw error;
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
