// Three nodes of the keys service on one PostgreSQL: a revocation or a roll through any node is refused by
// every node as soon as it commits (LISTEN/NOTIFY; without it nothing would reach the others for the cache
// lifetime), still within the stated cross-node delay when the notification channel is cut (the poll),
// concurrent replays of one Idempotency-Key through different nodes mint one key, and each node enforces its
// share of a key's rate limit.
import { join } from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "../../../core/domain/index.ts";
import {
  type KeyServiceOptions,
  type RunningKeyService,
  startKeyService,
} from "../../../keyservice/key-service.ts";
import {
  type ApiCaller,
  createKey,
  makeCaller,
  startTestKeyService,
  type TestKeyService,
} from "../../harness/keys-service.ts";
import { readStatedDelays } from "../../harness/stated-delays.ts";
import { waitFor } from "../../harness/wait.ts";

const stated = readStatedDelays().figures;

describe("three nodes sharing PostgreSQL", () => {
  let first: TestKeyService;
  const others: RunningKeyService[] = [];
  let nodes: { name: string; call: ApiCaller; service: () => RunningKeyService }[] = [];
  const startNode = (overrides: Partial<KeyServiceOptions> = {}) =>
    startKeyService({
      database: first.database,
      dataDir: first.dataDir,
      keyringFile: join(first.dataDir, "keyring.json"),
      port: 0,
      logger: pino({ level: "silent" }),
      show: () => undefined,
      // As the harness's node: these tests present many keys quickly, by design.
      rateLimitPerSecond: 10_000,
      failedAuthPerMinute: 10_000,
      ...overrides,
    });

  beforeAll(async () => {
    first = await startTestKeyService("postgres");
    // The two others run with the service's defaults (poll interval, flush interval): the stated ones.
    // Their notification channel, once cut, stays down long enough for the poll alone to be tested.
    for (let i = 0; i < 2; i++)
      others.push(
        await startNode({
          listenBackoff: { minMs: 30_000, maxMs: 30_000 },
          metrics: { host: "127.0.0.1", port: 0 },
        }),
      );
    nodes = [
      { name: "A", call: first.call, service: () => first.service },
      ...others.map((node, i) => ({
        name: "BC"[i] ?? "?",
        call: makeCaller(() => node.url),
        service: () => node,
      })),
    ];
    await waitFor("every node to listen for changes", () =>
      nodes.every((n) => n.service().cacheSync?.listening === true),
    );
  });
  afterAll(async () => {
    for (const node of others) await node.close();
    await first?.close();
  });

  const pick = (i: number) => nodes[i % nodes.length] as (typeof nodes)[number];

  /** Whether `secret` is refused by every node, as a bearer and by introspection (all asked at once). */
  async function refusedEverywhere(secret: string): Promise<boolean> {
    const answers = await Promise.all(
      nodes.flatMap((node) => [
        node.call("GET", "/v1/api_keys?limit=1", { key: secret }).then((a) => a.status === 401),
        node
          .call("POST", "/v1/api_keys/introspect", { key: first.adminKey, body: { key: secret } })
          .then((a) => a.body.active === false),
      ]),
    );
    return answers.every(Boolean);
  }

  async function cachedEverywhere(secret: string): Promise<void> {
    for (const node of nodes)
      expect((await node.call("GET", "/v1/api_keys?limit=1", { key: secret })).status, node.name).toBe(200);
  }

  it("refuses a key revoked, or rolled without grace, through any node on every node, at once", async () => {
    // Warm up the checks themselves (response validators, connections), so that the delays are the service's.
    expect(await refusedEverywhere(generateKey("live"))).toBe(true);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { id, secret } = await createKey(first, {
        name: `Shared key ${i}`,
        environment: "live",
        scopes: ["api_keys:read"],
      });
      await cachedEverywhere(secret);
      const through = pick(i);
      const changed =
        i % 2 === 0
          ? await through.call("POST", `/v1/api_keys/${id}/revoke`, {
              key: first.adminKey,
              body: { reason: "compromised" },
            })
          : await through.call("POST", `/v1/api_keys/${id}/roll`, {
              key: first.adminKey,
              body: { grace_period_seconds: 0 },
            });
      expect(changed.status).toBeLessThan(300);
      const t0 = Date.now();
      await waitFor(`every node to refuse key ${i}`, () => refusedEverywhere(secret), {
        timeoutMs: 10_000,
        intervalMs: 5,
      });
      delays.push(Date.now() - t0);
    }
    console.log(`refused on all three nodes after ${delays.join(", ")} ms`);
    // Every channel stayed up, so no poll ran: the notifications alone carried each change.
    expect(nodes.every((n) => n.service().cacheSync?.listening)).toBe(true);
    for (const d of delays) expect(d).toBeLessThan(stated.cross_node_delay_seconds * 1000);
  });

  it("keeps every node's keys gauge up to date with changes made through the others", async () => {
    const node = others[1] as RunningKeyService;
    const gauge = async (status: string) => {
      const text = await (await fetch(node.metricsUrl ?? "")).text();
      const line = new RegExp(
        `^ayra_keys_service_keys\\{environment="test",status="${status}"\\} (\\d+)$`,
        "m",
      ).exec(text);
      return Number(line?.[1] ?? 0);
    };
    const before = { active: await gauge("active"), revoked: await gauge("revoked") };
    const { id } = await createKey(first, { name: "Counted", environment: "test", scopes: ["agents:read"] });
    await waitFor("node C to count the new key", async () => (await gauge("active")) === before.active + 1);
    await pick(0).call("POST", `/v1/api_keys/${id}/revoke`, {
      key: first.adminKey,
      body: { reason: "unused" },
    });
    await waitFor(
      "node C to count the revocation",
      async () =>
        (await gauge("revoked")) === before.revoked + 1 && (await gauge("active")) === before.active,
    );
    expect((await fetch(`${node.url}/metrics`)).status).toBe(404); // only on the metrics listener
  });

  it("states the stated flush interval in usage responses of a node on defaults", async () => {
    const { id } = await createKey(first, {
      name: "Usage key",
      environment: "test",
      scopes: ["agents:read"],
    });
    const usage = await pick(1).call("GET", `/v1/api_keys/${id}/usage`, { key: first.adminKey });
    expect(usage.body.flush_interval_seconds).toBe(stated.flush_interval_seconds);
  });

  it("mints one key for one Idempotency-Key replayed through every node at once", async () => {
    for (let round = 0; round < 5; round++) {
      const idempotencyKey = `replay-${round}-${Date.now()}`;
      const body = { name: `Replayed ${idempotencyKey}`, environment: "test", scopes: ["agents:read"] };
      const answers = await Promise.all(
        [...nodes, ...nodes].map((node) =>
          node.call("POST", "/v1/api_keys", {
            key: first.adminKey,
            body,
            headers: { "idempotency-key": idempotencyKey },
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(new Set(answers.map((a) => a.body.secret)).size).toBe(1);
      expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(
        answers.length - 1,
      );
      const listed = await first.call("GET", `/v1/api_keys?name=${encodeURIComponent(body.name)}`, {
        key: first.adminKey,
      });
      expect(listed.body.data).toHaveLength(1);
    }
  });

  it("enforces a node's share of a key's rate limit", async () => {
    const limited = await startNode({ rateLimitPerSecond: 30, nodes: 3 });
    try {
      const call = makeCaller(() => limited.url);
      const statuses = (
        await Promise.all(
          Array.from({ length: 25 }, () => call("GET", "/v1/api_keys?limit=1", { key: first.adminKey })),
        )
      ).map((a) => a.status);
      const answer = await call("GET", "/v1/api_keys?limit=1", { key: first.adminKey });
      expect(answer.headers.get("x-ratelimit-limit")).toBe("10");
      // 25 requests inside at most two one-second windows: at most 2 × 10 admitted.
      expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
    } finally {
      await limited.close();
    }
  });

  it("still refuses a revoked key on every node within the poll interval when the notification channel is cut", async () => {
    const { id, secret } = await createKey(first, {
      name: "Revoked while deaf",
      environment: "live",
      scopes: ["api_keys:read"],
    });
    await cachedEverywhere(secret);
    const admin = new pg.Client({ connectionString: first.database });
    await admin.connect();
    try {
      const cut = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ayra-keys-listen' AND datname = current_database()",
      );
      expect(cut.rowCount).toBe(3);
    } finally {
      await admin.end();
    }
    await waitFor("nodes B and C to notice the cut", () =>
      others.every((n) => n.cacheSync?.listening === false),
    );
    const revoked = await pick(0).call("POST", `/v1/api_keys/${id}/revoke`, {
      key: first.adminKey,
      body: { reason: "compromised" },
    });
    expect(revoked.status).toBe(200);
    const t0 = Date.now();
    await waitFor("every node to refuse the key", () => refusedEverywhere(secret), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    const delay = Date.now() - t0;
    console.log(`refused on all three nodes after ${delay} ms by polling`);
    // B and C were still deaf (their reconnect waits 30 s): their poll found the change.
    expect(others.every((n) => n.cacheSync?.listening === false)).toBe(true);
    // The stated delay (one poll interval) plus one query and this loop's own requests on a shared machine.
    expect(delay).toBeLessThan(stated.cross_node_delay_seconds * 1000 + 1_000);
  });
});
