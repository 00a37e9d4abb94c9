// The informer against a small fake API server: it lists, follows the watch, relists after 410 Gone, and
// keeps going after the server fails (client-node's informer stops for good there).
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Informer } from "./informer.ts";
import { KubeRest } from "./rest.ts";
import type { KubeObject } from "./types.ts";

const obj = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: "ns", resourceVersion: rv },
});

function fakeApiServer() {
  const state = { items: [obj("a", "1")], rv: "1", lists: 0, failNext: 0, watchers: [] as ServerResponse[] };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (state.failNext > 0) {
      state.failNext--;
      res.writeHead(500).end("{}");
      return;
    }
    if (url.searchParams.get("watch")) {
      res.writeHead(200, { "content-type": "application/json" });
      state.watchers.push(res);
      return;
    }
    state.lists++;
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ items: state.items, metadata: { resourceVersion: state.rv } }));
  });
  const send = (event: unknown) => {
    for (const w of state.watchers) w.write(`${JSON.stringify(event)}\n`);
  };
  const endWatches = () => {
    for (const w of state.watchers.splice(0)) w.end();
  };
  return { server, state, send, endWatches };
}

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function setup() {
  const fake = fakeApiServer();
  fake.server.listen(0, "127.0.0.1");
  await once(fake.server, "listening");
  servers.push({
    close: () => {
      fake.server.closeAllConnections();
      fake.server.close();
    },
  });
  const rest = new KubeRest({
    access: { server: `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}` },
  });
  const seen: string[] = [];
  const informer = new Informer<KubeObject>({
    name: "things",
    rest,
    path: "/api/v1/namespaces/ns/things",
    logger: pino({ level: "silent" }),
    onEvent: (e, o) => seen.push(`${e} ${o.metadata.name}@${o.metadata.resourceVersion}`),
    sleep: () => new Promise((r) => setTimeout(r, 5)),
  });
  return { fake, informer, seen, rest };
}

async function until(probe: () => boolean, what = "the condition"): Promise<void> {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(probe(), what).toBe(true);
}

describe("Informer", () => {
  it("lists, then follows the watch", async () => {
    const { fake, informer, seen } = await setup();
    await informer.start();
    expect(informer.get("ns/a")?.metadata.resourceVersion).toBe("1");
    await until(() => fake.state.watchers.length === 1);
    fake.send({ type: "ADDED", object: obj("b", "2") });
    fake.send({ type: "MODIFIED", object: obj("a", "3") });
    fake.send({ type: "DELETED", object: obj("b", "4") });
    await until(() => seen.length === 4);
    expect(seen).toEqual(["add a@1", "add b@2", "update a@3", "delete b@4"]);
    await informer.stop();
  });

  it("relists after 410 Gone, emitting what changed meanwhile", async () => {
    const { fake, informer, seen } = await setup();
    await informer.start();
    await until(() => fake.state.watchers.length === 1);
    fake.state.items = [obj("a", "9"), obj("c", "9")];
    fake.state.rv = "9";
    fake.send({ type: "ERROR", object: { code: 410, message: "too old resource version" } });
    await until(() => fake.state.lists === 2);
    await until(() => seen.includes("add c@9"));
    expect(seen).toContain("update a@9");
    await informer.stop();
  });

  it("keeps going after the server fails, and reports health meanwhile", async () => {
    const { fake, informer } = await setup();
    fake.state.failNext = 3;
    await informer.start();
    expect(informer.synced).toBe(true);
    expect(informer.healthy).toBe(true);
    await until(() => fake.state.watchers.length === 1);
    fake.state.failNext = 2;
    fake.endWatches();
    await until(() => fake.state.watchers.length === 1, "a new watch after two failures");
    expect(informer.healthy).toBe(true);
    await informer.stop();
  });
});
