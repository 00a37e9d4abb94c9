import { describe, expect, it } from "vitest";
import { clientAddressResolver, parseTrustedProxies, TrustedProxyError } from "./client-address.ts";

describe("the client address", () => {
  const behindProxies = clientAddressResolver(["10.0.0.0/8", "fd00::/8", "192.0.2.7"]);

  it.each([
    {
      name: "is the peer when no proxy is trusted, whatever X-Forwarded-For says",
      resolve: clientAddressResolver([]),
      peer: "10.1.2.3",
      xff: "203.0.113.9",
      client: "10.1.2.3",
    },
    {
      name: "is the peer when the peer is not a trusted proxy",
      resolve: behindProxies,
      peer: "198.51.100.4",
      xff: "203.0.113.9",
      client: "198.51.100.4",
    },
    {
      name: "is the address a trusted proxy appended",
      resolve: behindProxies,
      peer: "10.0.0.5",
      xff: "203.0.113.9",
      client: "203.0.113.9",
    },
    {
      name: "skips trusted hops right to left and ignores what the client wrote further left",
      resolve: behindProxies,
      peer: "10.0.0.5",
      xff: "1.1.1.1, 203.0.113.9, 192.0.2.7, 10.9.9.9",
      client: "203.0.113.9",
    },
    {
      name: "reads several X-Forwarded-For headers as one list",
      resolve: behindProxies,
      peer: "10.0.0.5",
      xff: ["1.1.1.1", "203.0.113.9, 10.0.0.6"],
      client: "203.0.113.9",
    },
    {
      name: "works for IPv6 proxies and clients",
      resolve: behindProxies,
      peer: "fd00::1",
      xff: "2001:db8::42, fd12::3",
      client: "2001:db8::42",
    },
    {
      name: "treats an IPv4 peer on a dual-stack socket as IPv4",
      resolve: behindProxies,
      peer: "::ffff:10.0.0.5",
      xff: "203.0.113.9",
      client: "203.0.113.9",
    },
    {
      name: "stops at the last sure hop when the next entry is not an address",
      resolve: behindProxies,
      peer: "10.0.0.5",
      xff: "203.0.113.9, garbage, 10.0.0.7",
      client: "10.0.0.7",
    },
    {
      name: "is the leftmost hop when every hop is trusted",
      resolve: behindProxies,
      peer: "10.0.0.5",
      xff: "10.0.0.8, 10.0.0.7",
      client: "10.0.0.8",
    },
    {
      name: "is the trusted peer itself when it sent no X-Forwarded-For",
      resolve: behindProxies,
      peer: "10.0.0.5",
      xff: undefined,
      client: "10.0.0.5",
    },
  ])("$name", ({ resolve, peer, xff, client }) => {
    expect(resolve(peer, xff)).toBe(client);
  });

  it.each(["10.0.0.0/33", "fd00::/129", "not-an-ip", "10.0.0.0/8/8", "10.0.0.0/x", ""])(
    "refuses the trusted proxy %j with a message naming the flag",
    (value) => {
      expect(() => parseTrustedProxies([value])).toThrow(TrustedProxyError);
      expect(() => parseTrustedProxies([value])).toThrow(/--trusted-proxy/);
    },
  );
});
