// Which address a request comes from, for the failed-authentication limit and the audit log. Behind a
// proxy every client shares the proxy's address, so X-Forwarded-For is read, but only from peers the
// operator trusts (--trusted-proxy), and right to left: trusted hops are skipped and the first untrusted
// address is the client. Entries further left were written by the client itself and prove nothing.
import { BlockList, isIP } from "node:net";

export class TrustedProxyError extends Error {
  constructor(value: string) {
    super(
      `--trusted-proxy must be an IPv4 or IPv6 address or CIDR (e.g. 10.0.0.0/8, fd00::/8), got "${value}"`,
    );
    this.name = "TrustedProxyError";
  }
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
function plain(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** undefined when the socket has no peer address any more (it closed). */
export type ClientAddressResolver = (
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
) => string | undefined;

export function parseTrustedProxies(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", bits, extra] = cidr.trim().split("/");
    const family = isIP(address);
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && !/^\d{1,3}$/.test(bits)) ||
      prefix > (family === 4 ? 32 : 128)
    )
      throw new TrustedProxyError(cidr);
    list.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  return list;
}

/** Whether a socket's peer is one of the trusted proxies (none trusted: never). */
export function trustedPeer(trusted: readonly string[]): (peer: string | undefined) => boolean {
  if (trusted.length === 0) return () => false;
  const list = parseTrustedProxies(trusted);
  return (peer) => {
    if (peer === undefined) return false;
    const address = plain(peer);
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
  };
}

export function clientAddressResolver(trusted: readonly string[]): ClientAddressResolver {
  if (trusted.length === 0) return (peer) => (peer === undefined ? undefined : plain(peer));
  const list = parseTrustedProxies(trusted);
  const isTrusted = (address: string): boolean => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
  };
  return (peer, forwardedFor) => {
    if (peer === undefined) return undefined;
    let client = plain(peer);
    if (!isTrusted(client) || forwardedFor === undefined) return client;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plain((hops[i] ?? "").trim().replace(/^\[(.*)\]$/, "$1"));
      // A trusted proxy writes addresses; anything else came from the client: stop at the last sure hop.
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!isTrusted(hop)) return client;
    }
    return client;
  };
}
