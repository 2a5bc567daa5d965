import { isIPv4, isIPv6 } from "node:net";
import { NetworkInputError } from "./errors";

/** The P2P port Besu listens on unless told otherwise. */
export const DEFAULT_P2P_PORT = 30303;

export interface HostPort {
  host: string;
  port: number;
}

/**
 * `--hosts`, as given: a plain list (validator-1, validator-2, ... in ascending address order, then rpc-1, ...), or
 * `name=ip[:port]` for every node, the name being the node's (validator-N, rpc-N) or, with --validator-keys, the
 * directory its key came from.
 */
export type HostsSpec =
  { kind: "list"; hosts: HostPort[] } | { kind: "named"; hosts: Array<{ name: string; address: HostPort }> };

/**
 * Why an IPv4 address cannot be written in an enode URL as a node's own address, or undefined when it can. Other
 * machines dial it, so it must be a unicast address of that machine: not 0.0.0.0/8 ("this network", the unspecified
 * address), not loopback (every machine's own), not multicast or the reserved 240.0.0.0/4 (which holds the limited
 * broadcast 255.255.255.255). Subnet broadcast addresses depend on the netmask, which is not known here.
 */
export function unusableAddress(ip: string): string | undefined {
  const [a] = ip.split(".").map(Number);
  if (a === 0) return "0.0.0.0/8 is the unspecified address and 'this network', not a machine";
  if (a === 127) return "loopback: every machine's own; without --hosts every node runs on this machine on 127.0.0.1";
  if (a >= 224 && a <= 239) return "multicast (224.0.0.0/4)";
  if (ip === "255.255.255.255") return "the limited broadcast address";
  if (a >= 240) return "reserved (240.0.0.0/4)";
  return undefined;
}

function hostPort(value: string, entry: string): HostPort {
  const v = value.trim();
  const m = /^([^:]+)(?::(\d+))?$/.exec(v);
  if (!m || !isIPv4(m[1])) {
    // Besu's nodes allowlist takes IP addresses only (host names need its early-access DNS option); the generated
    // enode URLs, allowlists and configurations are IPv4.
    const why = isIPv6(v.replace(/^\[([^\]]*)\](?::\d+)?$/, "$1")) ? " (IPv6 is not supported)" : "";
    throw new NetworkInputError(`--hosts: '${entry}' is not an IPv4 address with an optional :port${why}`);
  }
  const unusable = unusableAddress(m[1]);
  if (unusable) throw new NetworkInputError(`--hosts: '${m[1]}' cannot be a node's advertised address: ${unusable}`);
  const port = m[2] === undefined ? DEFAULT_P2P_PORT : Number(m[2]);
  if (port < 1 || port > 65535) throw new NetworkInputError(`--hosts: port ${port} out of range in '${entry}'`);
  return { host: m[1], port };
}

/** Parses --hosts; how many and which nodes are checked later, when the nodes are known ({@link placeHosts}). */
export function parseHosts(value: string): HostsSpec {
  const entries = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (entries.length === 0) throw new NetworkInputError("--hosts: no address given");
  const named = entries.filter((e) => e.includes("="));
  if (named.length !== 0 && named.length !== entries.length) {
    throw new NetworkInputError("--hosts: either name=ip[:port] for every node or a plain list of ip[:port], not both");
  }
  let spec: HostsSpec;
  if (named.length === 0) {
    spec = { kind: "list", hosts: entries.map((e) => hostPort(e, e)) };
  } else {
    const hosts = entries.map((e) => {
      const at = e.indexOf("=");
      const name = e.slice(0, at).trim();
      if (name === "") throw new NetworkInputError(`--hosts: '${e}' has no node name before '='`);
      return { name, address: hostPort(e.slice(at + 1), e) };
    });
    const seen = new Set<string>();
    for (const h of hosts) {
      if (seen.has(h.name)) throw new NetworkInputError(`--hosts: ${h.name} given twice`);
      seen.add(h.name);
    }
    spec = { kind: "named", hosts };
  }
  // One node per machine: every node uses the standard RPC and metrics ports there.
  const ips = (spec.kind === "list" ? spec.hosts : spec.hosts.map((h) => h.address)).map((h) => h.host);
  if (new Set(ips).size !== ips.length) throw new NetworkInputError("--hosts: each node needs its own IP address");
  return spec;
}

/** A node as --hosts can name it: its name, and for a validator whose key was brought, the key's directory. */
export interface NamedNode {
  name: string;
  keyDir?: string;
}

/**
 * The address of each node, in the nodes' order. A plain list follows that order (validators in ascending address
 * order, then RPC nodes) and is refused when the validators' keys were brought (--validator-keys): their address
 * order says nothing about which machine holds which key, so they are named.
 */
export function placeHosts(spec: HostsSpec, nodes: readonly NamedNode[]): HostPort[] {
  const brought = nodes.filter((n) => n.keyDir !== undefined);
  if (spec.kind === "list") {
    if (brought.length) {
      const example = [
        ...brought.map((n, i) => `${n.keyDir}=10.0.0.${11 + i}`),
        ...nodes.filter((n) => n.keyDir === undefined).map((n, i) => `${n.name}=10.0.0.${21 + i}`),
      ];
      throw new NetworkInputError(
        "--hosts with --validator-keys: name each node's machine (name=ip[:port]; a validator by its key's directory), " +
          "since a plain list would follow the validators' address order, not where their keys live. For example: " +
          `--hosts ${example.join(",")}`,
      );
    }
    if (spec.hosts.length !== nodes.length) {
      throw new NetworkInputError(
        `--hosts: ${spec.hosts.length} given, ${nodes.length} needed (validators in ascending address order, then RPC nodes)`,
      );
    }
    return spec.hosts;
  }
  const byName = new Map<string, number>();
  const claim = (name: string, index: number) => {
    const other = byName.get(name);
    if (other !== undefined && other !== index) {
      throw new NetworkInputError(
        `--hosts: '${name}' is ambiguous: it names ${nodes[other].name} and the validator whose key is in ${name}/; rename that key directory`,
      );
    }
    byName.set(name, index);
  };
  nodes.forEach((n, i) => {
    if (n.keyDir !== undefined) claim(n.keyDir, i);
  });
  nodes.forEach((n, i) => claim(n.name, i));
  const placed: Array<HostPort | undefined> = nodes.map(() => undefined);
  for (const h of spec.hosts) {
    const i = byName.get(h.name);
    if (i === undefined) {
      const known = nodes.map((n) => (n.keyDir !== undefined ? `${n.keyDir} (${n.name})` : n.name)).join(", ");
      throw new NetworkInputError(`--hosts: no node named '${h.name}'; the nodes are ${known}`);
    }
    if (placed[i])
      throw new NetworkInputError(`--hosts: ${nodes[i].keyDir ?? nodes[i].name} given twice (also as ${h.name})`);
    placed[i] = h.address;
  }
  const missing = nodes.filter((_, i) => !placed[i]).map((n) => n.keyDir ?? n.name);
  if (missing.length)
    throw new NetworkInputError(
      `--hosts: no address for ${missing.join(", ")} (one machine per node: name every node)`,
    );
  return placed as HostPort[];
}
