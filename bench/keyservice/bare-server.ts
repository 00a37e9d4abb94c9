// The baseline: a bare node:http server that reads a small POST body and answers a constant JSON.
import { createServer } from "node:http";

const body = JSON.stringify({
  active: true,
  id: "key_000000000000000000000000",
  environment: "live",
  scopes: ["agents:read"],
  expires_at: null,
  expiring_at: null,
});
const server = createServer({ keepAlive: true }, (req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
