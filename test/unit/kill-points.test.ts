import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  type KillPoint,
  KillPointNeverReached,
  KillSwitch,
  killPoints,
  matches,
} from "../harness/kill-points.ts";
import { type PassThroughProxy, startPassThroughProxy } from "../harness/pass-through-proxy.ts";

const call = (method: string, path: string, requestBody = "", status = 200) => ({
  method,
  path,
  status,
  requestBody,
});

describe("kill points", () => {
  it.each<{ name: string; point: KillPoint; call: ReturnType<typeof call>; hit: boolean }>([
    {
      name: "a create minting for the ApiKey matches after key create",
      point: killPoints.afterKeyCreate("web"),
      call: call("POST", "/v1/api_keys", '{"name":"W","metadata":{"k8s_name":"web"}}', 201),
      hit: true,
    },
    {
      name: "a create minting for another ApiKey does not",
      point: killPoints.afterKeyCreate("web"),
      call: call("POST", "/v1/api_keys", '{"metadata":{"k8s_name":"webhook"}}', 201),
      hit: false,
    },
    {
      name: "a refused call does not (nothing was done)",
      point: killPoints.afterKeyCreate("web"),
      call: call("POST", "/v1/api_keys", '{"metadata":{"k8s_name":"web"}}', 409),
      hit: false,
    },
    {
      name: "a roll of the key matches after roll",
      point: killPoints.afterRoll("key_1"),
      call: call("POST", "/v1/api_keys/key_1/roll"),
      hit: true,
    },
    {
      name: "a revoke of one of the keys matches after revoke",
      point: killPoints.afterRevoke(["key_1", "key_2"]),
      call: call("POST", "/v1/api_keys/key_2/revoke"),
      hit: true,
    },
    {
      name: "a Secret created under the name matches after Secret write",
      point: killPoints.afterSecretWrite("ns", "web"),
      call: call("POST", "/api/v1/namespaces/ns/secrets", '{"metadata":{"name":"web"}}', 201),
      hit: true,
    },
    {
      name: "a Secret patched by path matches after Secret write",
      point: killPoints.afterSecretWrite("ns", "web"),
      call: call("PATCH", "/api/v1/namespaces/ns/secrets/web", '{"data":{}}'),
      hit: true,
    },
    {
      name: "another Secret does not",
      point: killPoints.afterSecretWrite("ns", "web"),
      call: call("PUT", "/api/v1/namespaces/ns/secrets/web-2", '{"metadata":{"name":"web-2"}}'),
      hit: false,
    },
    {
      name: "a status update matches after status write",
      point: killPoints.afterStatusWrite("ns", "web"),
      call: call("PUT", "/apis/keys.ayra.ai/v1alpha1/namespaces/ns/apikeys/web/status"),
      hit: true,
    },
    {
      name: "a read of the status does not",
      point: killPoints.afterStatusWrite("ns", "web"),
      call: call("GET", "/apis/keys.ayra.ai/v1alpha1/namespaces/ns/apikeys/web/status"),
      hit: false,
    },
    {
      name: "a Deployment patch matches after workload restart",
      point: killPoints.afterWorkloadRestart("ns", "deployments", "api"),
      call: call("PATCH", "/apis/apps/v1/namespaces/ns/deployments/api"),
      hit: true,
    },
  ])("$name", ({ point, call: c, hit }) => {
    expect(matches(point, c)).toBe(hit);
  });
});

describe("the kill switch behind a pass-through proxy", () => {
  let upstream: Server;
  let proxy: PassThroughProxy;
  let served: string[];

  afterEach(async () => {
    await proxy.close();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  async function setUp(kills: KillSwitch): Promise<void> {
    served = [];
    upstream = createServer((req, res) => {
      served.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    });
    upstream.listen(0, "127.0.0.1");
    await once(upstream, "listening");
    const { port } = upstream.address() as AddressInfo;
    proxy = await startPassThroughProxy({ upstream: `http://127.0.0.1:${port}`, onPassed: kills.observe });
    kills.watch(proxy);
  }

  it("kills after the matching call was answered, and forwards nothing the caller sends afterwards", async () => {
    const kills = new KillSwitch({ settleMs: 20 });
    await setUp(kills);
    let killedAfter = -1;
    const killed = kills.arm(killPoints.afterRoll("key_1"), () => {
      killedAfter = served.length;
    });
    const answer = await fetch(`${proxy.url}/v1/api_keys/key_1/roll`, { method: "POST", body: "{}" });
    expect(answer.status).toBe(200);
    const next = fetch(`${proxy.url}/v1/api_keys/key_1/revoke`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(300),
    });
    await expect(next).rejects.toThrow();
    await killed;
    expect(killedAfter).toBe(1);
    expect(served).toEqual(["POST /v1/api_keys/key_1/roll"]);
  });

  it("says loudly which point was never reached and which writes passed instead", async () => {
    const kills = new KillSwitch();
    await setUp(kills);
    const never = kills.arm(killPoints.afterRoll("key_1"), () => undefined, { timeoutMs: 300 });
    await fetch(`${proxy.url}/v1/api_keys`, { method: "POST", body: "{}" });
    await expect(never).rejects.toBeInstanceOf(KillPointNeverReached);
    await expect(never).rejects.toThrow(/"after roll".*never reached[\s\S]*POST \/v1\/api_keys → 200/);
  });
});
