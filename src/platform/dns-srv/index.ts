import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { MusterError } from '../../core/errors.js';
import { sortPeers, type Discovery, type NodeFacts, type Peer, type Platform } from '../types.js';
import { describeServers, lookup, type LookupOptions } from './resolve.js';
import { srvName, type DnsSrvPlatformConfig } from './schema.js';

export interface DnsSrvPlatformOptions {
  /** This machine's addresses, to recognise its own SRV target; default: every address of os.networkInterfaces(). */
  localAddresses?: () => readonly string[];
}

/** One SRV target, the same host name (any case, any number of records) counted once. */
interface Target {
  /** The target as a lower-case name without the trailing dot (or an IP address, written so in the record). */
  id: string;
  /** Every port the SRV records give it, sorted. */
  ports: number[];
}

type Resolved = { target: Target; ip: string } | Pending;
/** A target with no address record (of the family asked for) yet. */
type Pending = { target: Target; ip: undefined; missing: string };

/**
 * Peers from DNS: the targets of one SRV name (`_etcd-server._tcp.example.com`, or etcd-bootstrap's
 * `_<service>._tcp.<domain>`), each resolved to its address through the same resolvers.
 *
 * - A peer's name is its target's first label (etcd-1.example.com → etcd-1): names become etcd
 *   member and host names, which the hostname and dns steps require to be one label. A target
 *   written as an IP address is named ip-10-0-0-11. Its id is the whole target name.
 * - SRV priority and weight choose between servers of a service; they do not change who is a
 *   member, so they are ignored. A target listed twice (two ports) is one peer.
 * - Complete only with expected_peers, once at least that many targets are published and every
 *   target has its address: an SRV answer has no desired count, and "whatever is published now"
 *   would let the first node create a cluster alone while its peers' records propagate. More
 *   targets than expected is complete, as in aws tag mode: every node reads the same records.
 * - No SRV records at the name (NXDOMAIN or NODATA) is an error, retried, never "no peers": the
 *   records may not be published yet, and a discovery must find this node among its peers anyway.
 */
export function createDnsSrvPlatform(config: DnsSrvPlatformConfig, options: DnsSrvPlatformOptions = {}): Platform {
  const name = srvName(config);
  const localAddresses = options.localAddresses ?? interfaceAddresses;
  return {
    type: 'dns-srv',
    async discover(signal?: AbortSignal): Promise<Discovery> {
      const lookupOptions: LookupOptions = { servers: config.servers, timeoutMs: config.resolve_timeout, tries: config.resolve_tries, signal };
      const targets = await srvTargets(name, lookupOptions);
      const resolved = await Promise.all(targets.map((target) => resolveTarget(target, config.family, lookupOptions)));
      const peers = sortPeers(resolved.flatMap((entry) => (entry.ip === undefined ? [] : [toPeer(entry.target, entry.ip)])));
      assertDistinct(peers, name);
      const pending = resolved.filter((entry): entry is Pending => entry.ip === undefined);
      const self = findSelf(peers, pending, config, name, localAddresses);
      const incompleteReason = incompleteness(peers.length, targets.length, pending, config.expected_peers, name);
      const discovery: Discovery = { self, peers, complete: incompleteReason === undefined };
      if (incompleteReason !== undefined) discovery.incompleteReason = incompleteReason;
      return discovery;
    },
  };
}

async function srvTargets(name: string, options: LookupOptions): Promise<Target[]> {
  const answer = await lookup('SRV', name, options);
  const records = answer.found ? answer.records : [];
  const byId = new Map<string, Set<number>>();
  // A target of "." says the service is decidedly not available here (RFC 2782): no peer.
  for (const record of records) {
    const id = record.name.replace(/\.$/, '').toLowerCase();
    if (id !== '') byId.set(id, (byId.get(id) ?? new Set()).add(record.port));
  }
  if (byId.size === 0) {
    const why = answer.found ? 'only a "." target (service decidedly not available)' : answer.nxdomain ? 'the name does not exist (NXDOMAIN)' : 'the name holds no SRV records (NODATA)';
    throw new MusterError(`dns-srv: no SRV records at ${name} on ${describeServers(options.servers)}: ${why}`, {
      code: 'DNS_SRV_NOT_FOUND',
      kind: 'unavailable',
      retryable: true,
      hint: 'the records may not be published yet, and muster retries (never taking this for an empty group); if they never appear, check platform.name (or domain and service) and that platform.servers answer for that zone',
    });
  }
  return [...byId]
    .map(([id, ports]) => ({ id, ports: [...ports].sort((a, b) => a - b) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function resolveTarget(target: Target, family: DnsSrvPlatformConfig['family'], options: LookupOptions): Promise<Resolved> {
  if (isIP(target.id) !== 0) return { target, ip: canonicalIp(target.id) };
  const types = family === 'ipv4' ? (['A'] as const) : family === 'ipv6' ? (['AAAA'] as const) : (['A', 'AAAA'] as const);
  for (const type of types) {
    const answer = await lookup(type, target.id, options);
    if (!answer.found || answer.records.length === 0) continue;
    const addresses = [...new Set(answer.records.map(canonicalIp))].sort();
    if (addresses.length > 1) {
      throw new MusterError(`dns-srv: SRV target ${target.id} has ${addresses.length} ${type} records (${addresses.join(', ')}); a peer has one address`, {
        code: 'DNS_SRV_SEVERAL_ADDRESSES',
        kind: 'config',
        hint: `publish one ${type} record per SRV target (the address peers reach that node on)${family === 'any' ? '' : ', or change platform.family'}`,
      });
    }
    return { target, ip: addresses[0] ?? '' };
  }
  return { target, ip: undefined, missing: types.join(' or ') };
}

/** A target's first label (etcd-1.example.com → etcd-1); ip-10-0-0-11 for a target written as an address. */
function peerName(target: Target): string {
  return isIP(target.id) !== 0 ? `ip-${target.id.replace(/[.:]/g, '-')}` : (target.id.split('.')[0] ?? target.id);
}

function toPeer(target: Target, ip: string): Peer {
  return { id: target.id, name: peerName(target), ip, tags: { srv_target: target.id, srv_port: target.ports.join(',') }, state: 'published' };
}

/** Peer names become etcd member names and peer addresses its peer URLs: neither may repeat. */
function assertDistinct(peers: readonly Peer[], name: string): void {
  const byName = new Map<string, Peer>();
  const byIp = new Map<string, Peer>();
  for (const peer of peers) {
    const sameName = byName.get(peer.name);
    if (sameName) {
      throw new MusterError(`dns-srv: SRV targets ${sameName.id} and ${peer.id} at ${name} would both be peer ${peer.name}`, {
        code: 'DNS_SRV_DUPLICATE_NAME',
        kind: 'config',
        hint: 'a peer is named by its target\'s first label (its etcd member and host name): give every SRV target a distinct first label',
      });
    }
    const sameIp = byIp.get(peer.ip);
    if (sameIp) {
      throw new MusterError(`dns-srv: SRV targets ${sameIp.id} and ${peer.id} at ${name} both have address ${peer.ip}`, {
        code: 'DNS_SRV_DUPLICATE_IP',
        kind: 'config',
        hint: 'each SRV target is one node: publish one target per node, each with its own address',
      });
    }
    byName.set(peer.name, peer);
    byIp.set(peer.ip, peer);
  }
}

function findSelf(
  peers: readonly Peer[],
  pending: readonly Pending[],
  config: DnsSrvPlatformConfig,
  name: string,
  localAddresses: () => readonly string[],
): NodeFacts {
  let matches: Peer[];
  let lookedFor: string;
  if (config.self_ip !== undefined) {
    const ip = canonicalIp(config.self_ip);
    matches = peers.filter((peer) => peer.ip === ip);
    lookedFor = `platform.self_ip ${config.self_ip}`;
  } else if (config.self_name !== undefined) {
    const wanted = config.self_name.toLowerCase();
    matches = peers.filter((peer) => peer.name === wanted);
    lookedFor = `platform.self_name ${config.self_name}`;
  } else {
    const own = new Set(localAddresses().map(canonicalIp));
    matches = peers.filter((peer) => own.has(peer.ip));
    lookedFor = `this machine's addresses (${[...own].sort().join(', ')})`;
  }
  const [self, ...others] = matches;
  if (self && others.length > 0) {
    throw new MusterError(`dns-srv: several SRV targets at ${name} have ${lookedFor}: ${matches.map((peer) => `${peer.id} (${peer.ip})`).join(', ')}`, {
      code: 'DNS_SRV_SELF_AMBIGUOUS',
      kind: 'config',
      hint: 'set platform.self_ip to the address peers reach this node on',
    });
  }
  if (self) return { id: self.id, name: self.name, ip: self.ip, tags: self.tags };
  const published = peers.map((peer) => `${peer.id} (${peer.ip})`).join(', ') || 'none';
  const wanted = config.self_name?.toLowerCase();
  const maybeSelf = wanted === undefined ? pending : pending.filter((entry) => peerName(entry.target) === wanted);
  if (maybeSelf.length > 0) {
    // This node may be the target whose address is not published yet: that resolves itself.
    throw new MusterError(
      `dns-srv: no SRV target at ${name} matches ${lookedFor} yet; with an address: ${published}; without one yet: ${maybeSelf.map((entry) => entry.target.id).join(', ')}`,
      {
        code: 'DNS_SRV_SELF_PENDING',
        kind: 'unavailable',
        retryable: true,
        hint: 'this node may be one of the targets whose address record is not published yet; muster retries',
      },
    );
  }
  // Retried, not fatal: whoever publishes the records may add this node's a moment after it boots.
  // If they never do, the formation's deadline ends it with this message.
  throw new MusterError(`dns-srv: no SRV target at ${name} matches ${lookedFor}; the targets resolve to: ${published}`, {
    code: 'DNS_SRV_SELF_NOT_FOUND',
    kind: 'unavailable',
    retryable: true,
    hint: 'muster retries until etcd.timeout; publish an SRV target (and its address record) for this node, or set platform.self_ip to the address peers reach this node on (or platform.self_name to its target\'s first label)',
  });
}

function incompleteness(found: number, targets: number, pending: readonly Pending[], expected: number | undefined, name: string): string | undefined {
  const missing =
    pending.length === 0
      ? ''
      : `; no address yet for ${pending.map((entry) => `${entry.target.id} (no ${entry.missing} record)`).join(', ')}`;
  if (expected === undefined) {
    return `${found} of ${targets} SRV target${targets === 1 ? '' : 's'} at ${name} ha${found === 1 ? 's' : 've'} an address${missing}, and without platform.expected_peers an SRV answer cannot tell whether that is the whole group; set platform.expected_peers to the group's size (nodes can still join an existing cluster)`;
  }
  if (found < expected) return `${found} of ${expected} expected SRV targets at ${name} have an address${missing}`;
  if (pending.length > 0) return `${found} of ${targets} SRV targets at ${name} have an address${missing}`;
  return undefined;
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((address) => address.address));
}

/** One spelling per address (2001:db8::1 and 2001:DB8:0::1 are the same); anything else as given. */
function canonicalIp(ip: string): string {
  if (isIP(ip) === 6) return new URL(`http://[${ip}]/`).hostname.replace(/^\[|\]$/g, '');
  return ip;
}
