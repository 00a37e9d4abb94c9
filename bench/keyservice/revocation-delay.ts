// Revocation delay across nodes: three `serve` processes on one PostgreSQL; each key is first cached on every
// node (introspected once), then revoked through a random node; from the revoke's 2xx, every node is asked
// again and again (keep-alive introspections, one loop per node) until it answers inactive. The delay is
// the slowest node's.
import { Agent, request } from "node:http";
import { join } from "node:path";
import type { ManagedProcess } from "../../test/harness/processes.ts";
import { type ServeNode, startServe } from "./serve.ts";

function post(
  agent: Agent,
  url: string,
  path: string,
  bearer: string,
  body: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: "POST",
        agent,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const isActive = (answer: { body: string }) => (JSON.parse(answer.body) as { active: boolean }).active;

export async function revocationDelay(options: {
  dir: string;
  database: string;
  revocations: number;
  running: ManagedProcess[];
}): Promise<{ p50Ms: number; p99Ms: number; maxMs: number }> {
  const nodes: ServeNode[] = [];
  for (let i = 0; i < 3; i++) {
    const node = await startServe(join(options.dir), options.database, {
      rateLimit: 10_000_000,
      name: `node ${i}`,
    });
    options.running.push(node.proc);
    nodes.push(node);
  }
  const admin = nodes[0]?.admin ?? "";
  const agents = nodes.map(() => new Agent({ keepAlive: true, maxSockets: 4 }));
  const delays: number[] = [];
  try {
    for (let i = 0; i < options.revocations; i++) {
      const created = await post(agents[0] as Agent, nodes[0]?.url ?? "", "/v1/api_keys", admin, {
        name: `Revoked ${i}`,
        environment: "test",
        scopes: ["agents:read"],
      });
      if (created.status !== 201) throw new Error(`create failed: ${created.status} ${created.body}`);
      const { id, secret } = JSON.parse(created.body) as { id: string; secret: string };
      for (let n = 0; n < nodes.length; n++) {
        const seen = await post(agents[n] as Agent, nodes[n]?.url ?? "", "/v1/api_keys/introspect", admin, {
          key: secret,
        });
        if (!isActive(seen)) throw new Error(`node ${n} does not see the new key ${id}`);
      }
      const through = Math.floor(Math.random() * nodes.length);
      const revoked = await post(
        agents[through] as Agent,
        nodes[through]?.url ?? "",
        `/v1/api_keys/${id}/revoke`,
        admin,
        { reason: "compromised" },
      );
      if (revoked.status !== 200) throw new Error(`revoke failed: ${revoked.status} ${revoked.body}`);
      const t0 = performance.now();
      await Promise.all(
        nodes.map(async (node, n) => {
          for (;;) {
            const answer = await post(agents[n] as Agent, node.url, "/v1/api_keys/introspect", admin, {
              key: secret,
            });
            if (!isActive(answer)) return;
            if (performance.now() - t0 > 10_000) throw new Error(`node ${n} still accepts ${id} after 10 s`);
          }
        }),
      );
      delays.push(performance.now() - t0);
    }
  } finally {
    for (const a of agents) a.destroy();
    for (const node of nodes) await node.proc.stop();
  }
  delays.sort((a, b) => a - b);
  const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(delays.length * q))] ?? Number.NaN;
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: delays.at(-1) ?? Number.NaN };
}
