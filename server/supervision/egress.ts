import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Where the gateway may send its own HTTP requests (webhook deliveries, decision documents). The URLs come from
 * clients and issuers, so without a rule they could reach the gateway's own network: loopback, cloud metadata
 * (169.254.169.254), databases on private addresses. Public unicast addresses are allowed; any other range only
 * when one of the configured networks (OUTBOUND_ALLOW, CIDR notation) contains the address.
 *
 * The check resolves the host and runs before each request; a name that resolves differently between the check
 * and the connection (DNS rebinding) is not caught here, which is why receivers inside the network are listed by
 * network rather than trusted by name.
 */
export class EgressPolicy {
  private readonly networks: [Address, number][];

  constructor(readonly allowed: readonly string[]) {
    this.networks = allowed.map((cidr) => ipaddr.parseCIDR(cidr));
  }

  /** Null when every address of the URL's host may be called; otherwise the reason it may not. */
  async refusal(url: URL): Promise<string | null> {
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    let addresses: string[];
    if (ipaddr.isValid(host)) {
      addresses = [host];
    } else {
      try {
        addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
      } catch (err) {
        return `cannot resolve ${host}: ${(err as Error).message}`;
      }
    }
    for (const text of addresses) {
      let address: Address = ipaddr.parse(text);
      if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) address = address.toIPv4Address();
      const range = address.range();
      if (range === "unicast") continue;
      if (this.networks.some(([net, bits]) => net.kind() === address.kind() && address.match(net, bits))) continue;
      return `${host} resolves to ${text} (${range}); outbound calls go to public addresses or to networks listed in OUTBOUND_ALLOW`;
    }
    return null;
  }
}

/** Whether a string is an IPv4 or IPv6 network in CIDR notation (for configuration checks). */
export function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}
