// Revocation on delete is cancellable: a keys service that does not answer holds a pass no longer than the
// call timeout, and stopping the controller aborts the call in flight. Fake keys client, real KeyFacts.
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { KeysClient, PostOptions } from "../../core/client/index.ts";
import { KEY_METADATA, MANAGED_BY } from "../../core/keys/key-metadata.ts";
import { createControllerMetrics } from "../metrics.ts";
import type { ApiKeyObject } from "../reconcile/objects.ts";
import { KeyFacts } from "./key-facts.ts";
import { Retirement } from "./retire.ts";

const owner = { namespace: "team", name: "svc", uid: "uid-1" };
const deletedApiKey: ApiKeyObject = { metadata: owner, spec: { deletionPolicy: "Revoke" } };

function factsWithOneKey(): KeyFacts {
  const facts = new KeyFacts();
  facts.observe({
    id: "key_1",
    status: "active",
    name: "svc",
    environment: "test",
    scopes: ["agents:read"],
    redacted: "sk_test_abc...WXYZ",
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    expires_at: null,
    rolled_from: null,
    metadata: {
      [KEY_METADATA.managedBy]: MANAGED_BY.controller,
      [KEY_METADATA.cluster]: "c1",
      [KEY_METADATA.namespace]: owner.namespace,
      [KEY_METADATA.name]: owner.name,
      [KEY_METADATA.uid]: owner.uid,
      [KEY_METADATA.deletionPolicy]: "Revoke",
    },
  });
  return facts;
}

/** A keys service that never answers: each call settles only when its signal aborts. */
function silentKeys() {
  const signals: (AbortSignal | undefined)[] = [];
  const keys = {
    revokeKey: (_id: string, _body: unknown, options: PostOptions = {}) => {
      signals.push(options.signal);
      return new Promise((_resolve, reject) => {
        options.signal?.addEventListener("abort", () => reject(options.signal?.reason), { once: true });
      });
    },
  } as unknown as KeysClient;
  return { keys, signals };
}

const metrics = createControllerMetrics();

/** The controller's counters of revocations done and failed (it alerts on the failed ones). */
async function revocationCounts() {
  const total = async (name: string) =>
    (await metrics.registry.getSingleMetric(name)?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;
  return {
    revoked: await total("ayra_keys_controller_key_revocations_total"),
    failed: await total("ayra_keys_controller_key_revocation_failures_total"),
  };
}

function retirement(keys: KeysClient, facts: KeyFacts, callTimeoutMs: number) {
  metrics.registry.resetMetrics();
  return new Retirement({
    keys,
    facts,
    logger: pino({ level: "silent" }),
    metrics,
    clusterId: "c1",
    clusterIdResolved: true,
    namespace: undefined,
    exists: () => false,
    callTimeoutMs,
  });
}

describe("revocation on delete is cancellable", () => {
  it("a keys service that does not answer is given up after the call timeout, and the key stays to sweep", async () => {
    const { keys, signals } = silentKeys();
    const facts = factsWithOneKey();
    const r = retirement(keys, facts, 50);
    const started = performance.now();
    r.deleted(deletedApiKey);
    await r.idle();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(facts.record("key_1")?.status).toBe("active");
    expect(await revocationCounts()).toEqual({ revoked: 0, failed: 1 });
  });

  it("stopping aborts the revocation in flight at once and starts no further pass", async () => {
    const { keys, signals } = silentKeys();
    const r = retirement(keys, factsWithOneKey(), 600_000);
    r.deleted(deletedApiKey);
    await expect.poll(() => signals.length).toBe(1);
    await r.stop();
    expect(signals[0]?.aborted).toBe(true);
    r.sweep(Date.now() + 60_000);
    await r.idle();
    expect(signals).toHaveLength(1);
    // Stopping is no failure of the keys API.
    expect(await revocationCounts()).toEqual({ revoked: 0, failed: 0 });
  });

  it("an answering keys service revokes the key with a live signal", async () => {
    const calls: { id: string; signal: AbortSignal | undefined }[] = [];
    const keys = {
      revokeKey: async (id: string, _body: unknown, options: PostOptions = {}) => {
        calls.push({ id, signal: options.signal });
        return { status: "revoked", expiring_at: null };
      },
    } as unknown as KeysClient;
    const facts = factsWithOneKey();
    const r = retirement(keys, facts, 1_000);
    r.deleted(deletedApiKey);
    await r.idle();
    expect(calls.map((c) => c.id)).toEqual(["key_1"]);
    expect(calls[0]?.signal).toBeInstanceOf(AbortSignal);
    // Done with this ApiKey: its keys are forgotten (an aborted pass keeps them, as above).
    expect(facts.recordsFor(owner.uid)).toEqual([]);
    expect(await revocationCounts()).toEqual({ revoked: 1, failed: 0 });
  });
});
