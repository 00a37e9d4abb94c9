import { afterEach, describe, expect, it } from "vitest";
import { recordingClient, sampleKey } from "../../test/support/client-fixtures.ts";
import { type FaultServer, script, startFaultServer } from "../../test/support/fault-server.ts";

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const FIRST = `sk_live_${"A".repeat(50)}`;
const SECOND = `sk_live_${"B".repeat(50)}`;

describe("an API key given as a function", () => {
  it("is asked on every attempt, so a rotated key is used from the next call on", async () => {
    server = await startFaultServer(script({ status: 200, body: sampleKey() }));
    let current = FIRST;
    const { client } = recordingClient(server.baseUrl, { apiKey: () => current });
    await client.getKey("key_0123456789abcdefghijABCD");
    current = SECOND;
    await client.getKey("key_0123456789abcdefghijABCD");
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${FIRST}`,
      `Bearer ${SECOND}`,
    ]);
  });

  it("is checked when asked, and the error never quotes it", async () => {
    server = await startFaultServer(script({ status: 200, body: sampleKey() }));
    const { client } = recordingClient(server.baseUrl, { apiKey: () => `${FIRST}\n` });
    const error = await client.getKey("key_0123456789abcdefghijABCD").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toMatch(/apiKey must be a non-empty key/);
    expect(String(error)).not.toContain(FIRST);
    expect(server.requests).toHaveLength(0);
  });
});
