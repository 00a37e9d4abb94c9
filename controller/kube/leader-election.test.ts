import pino from "pino";
import { describe, expect, it } from "vitest";
import { ManualTimers } from "../../test/harness/fake-timers.ts";
import { LeaderElector } from "./leader-election.ts";
import { KubeApiError, type KubeRest } from "./rest.ts";

type Lease = {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: Record<string, unknown>;
};

/** An in-memory Lease store with resourceVersion checks, standing in for the API server. */
class LeaseStore {
  lease: Lease | undefined;
  rv = 0;
  client(options: { down?: () => boolean } = {}): KubeRest {
    const check = () => {
      if (options.down?.()) throw new Error("connection refused");
    };
    const fake = {
      get: async () => {
        check();
        if (this.lease === undefined) throw new KubeApiError(404, "NotFound", "not found");
        return structuredClone(this.lease);
      },
      create: async (_path: string, body: Lease) => {
        check();
        if (this.lease !== undefined) throw new KubeApiError(409, "AlreadyExists", "exists");
        this.lease = {
          ...structuredClone(body),
          metadata: { ...body.metadata, resourceVersion: String(++this.rv) },
        };
        return structuredClone(this.lease);
      },
      replace: async (_path: string, body: Lease) => {
        check();
        if (body.metadata.resourceVersion !== this.lease?.metadata.resourceVersion)
          throw new KubeApiError(409, "Conflict", "conflict");
        this.lease = {
          ...structuredClone(body),
          metadata: { ...body.metadata, resourceVersion: String(++this.rv) },
        };
        return structuredClone(this.lease);
      },
    };
    return fake as unknown as KubeRest;
  }
}

const flush = () => new Promise((r) => setImmediate(r));

async function advance(timers: ManualTimers, ms: number, step = 500) {
  for (let t = 0; t < ms; t += step) {
    timers.advance(step);
    await flush();
    await flush();
  }
}

function elector(
  store: LeaseStore,
  timers: ManualTimers,
  identity: string,
  events: string[],
  down?: () => boolean,
) {
  return new LeaderElector({
    rest: store.client({ down }),
    namespace: "ns",
    name: "lease",
    identity,
    leaseDurationMs: 10_000,
    renewDeadlineMs: 7_000,
    retryPeriodMs: 2_000,
    timers,
    logger: pino({ level: "silent" }),
    onStartedLeading: () => events.push(`${identity} leads`),
    onStoppedLeading: () => events.push(`${identity} stops`),
  });
}

describe("LeaderElector", () => {
  it("lets one replica lead, and another take over only after the lease expired by its own clock", async () => {
    const timers = new ManualTimers(1_000_000);
    const store = new LeaseStore();
    const events: string[] = [];
    let aDown = false;
    const a = elector(store, timers, "a", events, () => aDown);
    const b = elector(store, timers, "b", events);
    a.start();
    await flush();
    b.start();
    await advance(timers, 6_000);
    expect(events).toEqual(["a leads"]);
    expect(b.isLeader).toBe(false);

    aDown = true; // a crashes: it stops renewing
    await advance(timers, 9_000);
    expect(events).toEqual(["a leads", "a stops"]); // a gave up after its renew deadline
    expect(b.isLeader).toBe(false);
    await advance(timers, 4_000);
    expect(events).toContain("b leads");
    expect(store.lease?.spec.holderIdentity).toBe("b");
    expect(store.lease?.spec.leaseTransitions).toBe(1);
  });

  it("hands over at once when the leader stops gracefully", async () => {
    const timers = new ManualTimers(0);
    const store = new LeaseStore();
    const events: string[] = [];
    const a = elector(store, timers, "a", events);
    const b = elector(store, timers, "b", events);
    a.start();
    await flush();
    b.start();
    await advance(timers, 2_000);
    await a.stop();
    expect(store.lease?.spec.holderIdentity).toBeNull();
    await advance(timers, 2_000);
    expect(b.isLeader).toBe(true);
  });
});
