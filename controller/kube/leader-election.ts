// Leader election on a coordination.k8s.io/v1 Lease (client-go's leaderelection): acquire when the lease is
// free or expired by our own observation (no trust in remote clocks), renew every retryPeriod, and give up
// leadership if a renewal has not succeeded within renewDeadline. Releasing on shutdown hands over at once.
import type { Logger } from "pino";
import type { Timers } from "../runtime/clock.ts";
import { isAlreadyExists, isConflict, isNotFound, type KubeRest } from "./rest.ts";

export interface LeaderElectionOptions {
  rest: KubeRest;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  timers: Timers;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

const micro = (ms: number) => new Date(ms).toISOString().replace("Z", "000Z");

export class LeaderElector {
  readonly #o: LeaderElectionOptions;
  #leading = false;
  #stopped = false;
  #observed: { record: string; at: number } | undefined;
  #lastRenew = 0;
  #timer: unknown;
  #lease: Lease | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#o = options;
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  get #path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.#o.namespace}/leases`;
  }

  start(): void {
    void this.#tick();
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#tryAcquireOrRenew();
    } catch (error) {
      this.#o.logger.warn({ err: error }, "lease update failed");
    }
    if (this.#leading && this.#o.timers.now() - this.#lastRenew > this.#o.renewDeadlineMs) {
      this.#o.logger.error(
        { lease: this.#o.name },
        "lost the leader lease: could not renew within the deadline",
      );
      this.#leading = false;
      this.#o.onStoppedLeading();
    }
    if (!this.#stopped)
      this.#timer = this.#o.timers.setTimeout(() => void this.#tick(), this.#o.retryPeriodMs);
  }

  async #tryAcquireOrRenew(): Promise<void> {
    const { rest, timers, identity } = this.#o;
    const now = timers.now();
    let lease: Lease | undefined;
    try {
      lease = await rest.get<Lease>(`${this.#path}/${this.#o.name}`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
      renewTime: micro(now),
    };
    if (lease === undefined) {
      try {
        this.#lease = await rest.create<Lease>(this.#path, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.#o.name, namespace: this.#o.namespace },
          spec: { ...spec, acquireTime: micro(now), leaseTransitions: 0 },
        });
        this.#becameLeader(now);
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
      return;
    }
    const record = JSON.stringify(lease.spec);
    if (this.#observed?.record !== record) this.#observed = { record, at: now };
    const holder = lease.spec.holderIdentity ?? "";
    const duration = (lease.spec.leaseDurationSeconds ?? 15) * 1000;
    const expired = this.#observed.at + duration <= now;
    if (holder !== "" && holder !== identity && !expired) {
      if (this.#leading) {
        this.#leading = false;
        this.#o.onStoppedLeading();
      }
      return;
    }
    const taking = holder !== identity;
    const next: Lease = {
      ...lease,
      spec: {
        ...lease.spec,
        ...spec,
        ...(taking
          ? { acquireTime: micro(now), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 }
          : {}),
      },
    };
    try {
      this.#lease = await rest.replace<Lease>(`${this.#path}/${this.#o.name}`, next);
      this.#observed = { record: JSON.stringify(this.#lease.spec), at: now };
      this.#becameLeader(now);
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }

  #becameLeader(now: number): void {
    this.#lastRenew = now;
    if (!this.#leading) {
      this.#leading = true;
      this.#o.logger.info(
        { lease: `${this.#o.namespace}/${this.#o.name}`, identity: this.#o.identity },
        "became the leader",
      );
      this.#o.onStartedLeading();
    }
  }

  /** Stops renewing; a leader releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    if (!this.#leading || this.#lease === undefined) return;
    this.#leading = false;
    try {
      await this.#o.rest.replace(`${this.#path}/${this.#o.name}`, {
        ...this.#lease,
        spec: {
          ...this.#lease.spec,
          holderIdentity: null,
          leaseDurationSeconds: 1,
          renewTime: micro(this.#o.timers.now()),
        },
      });
    } catch {
      // the lease expires on its own
    }
  }
}
