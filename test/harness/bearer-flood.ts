// A client that sends forged bearers as fast as it can, from its own process (so the flood competes with the
// service for the CPU, not with the test's measuring clients): `node bearer-flood.ts URL CONNECTIONS SECONDS`.
// Half the bearers are well formed (they cost the service a digest and a lookup), half are garbage.
// Runs until SECONDS pass or SIGTERM, then prints one JSON line: { sent, statuses: { "401": n, "429": n, … } }.
import { Agent, request } from "node:http";
import { generateKey } from "../../core/domain/index.ts";

const [url = "", connectionsText = "16", secondsText = "3"] = process.argv.slice(2);
const connections = Number(connectionsText);
let until = Date.now() + Number(secondsText) * 1000;
process.once("SIGTERM", () => {
  until = 0; // the loops finish their request in flight and the report is printed
});
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const statuses: Record<string, number> = {};
let sent = 0;

function once(bearer: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/v1/api_keys/introspect`,
      {
        method: "POST",
        agent,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      },
      (res) => {
        statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
        res.resume();
        res.on("end", resolve);
      },
    );
    req.on("error", () => {
      statuses.error = (statuses.error ?? 0) + 1;
      resolve();
    });
    req.end('{"key":"x"}');
  });
}

async function loop(n: number): Promise<void> {
  for (let i = 0; Date.now() < until; i++) {
    sent++;
    await once(i % 2 === 0 ? generateKey("live") : `sk_live_forged${n}x${i}`);
  }
}

await Promise.all(Array.from({ length: connections }, (_, n) => loop(n)));
agent.destroy();
process.stdout.write(`${JSON.stringify({ sent, statuses })}\n`);
