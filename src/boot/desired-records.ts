import { isIPv6 } from 'node:net';
import { canonicalRecordSet } from '../dns/record.js';
import type { RecordSet } from '../dns/types.js';

export interface NamedPeer {
  /** The peer's host name (the hostname step's rule applied to its tags and IP). */
  hostname: string;
  ip: string;
}

export interface DesiredRecordsInput {
  zone: string;
  ttl: number;
  records: { node: boolean; members: string | null; etcd_srv: boolean };
  peers: readonly NamedPeer[];
  etcd: { client_port: number; peer_port: number; client_scheme: 'http' | 'https'; peer_scheme: 'http' | 'https' };
}

/**
 * The record sets the whole group wants in the zone. Every node computes the same set from the
 * same discovery, so nodes converge instead of fighting, and a replaced node's records go away
 * with the next boot of any node (they are owned, and no longer desired). Pure.
 *
 * - node: `<hostname>.<zone>` A/AAAA for every peer (NodeReg's hosted-zone record);
 * - members: `<label>.<zone>` with every peer's address (etcd-bootstrap's -domain-name);
 * - etcd_srv: `_etcd-server._tcp` and `_etcd-client._tcp` SRV records (the `-ssl` names with
 *   https), the names etcd's own `--discovery-srv` looks up; their targets are the node records,
 *   which are therefore published too.
 */
export function desiredRecords(input: DesiredRecordsInput): RecordSet[] {
  const sets: RecordSet[] = [];
  const add = (name: string, type: 'A' | 'AAAA' | 'SRV', values: string[]): void => {
    if (values.length > 0) sets.push(canonicalRecordSet({ name, type, ttl: input.ttl, values }, input.zone));
  };
  const fqdn = (host: string): string => `${host}.${input.zone.replace(/\.$/, '')}.`;
  if (input.records.node || input.records.etcd_srv) {
    for (const peer of input.peers) add(fqdn(peer.hostname), isIPv6(peer.ip) ? 'AAAA' : 'A', [peer.ip]);
  }
  if (input.records.members !== null) {
    const label = input.records.members;
    add(label, 'A', input.peers.filter((peer) => !isIPv6(peer.ip)).map((peer) => peer.ip));
    add(label, 'AAAA', input.peers.filter((peer) => isIPv6(peer.ip)).map((peer) => peer.ip));
  }
  if (input.records.etcd_srv) {
    const ssl = (scheme: string): string => (scheme === 'https' ? '-ssl' : '');
    add(`_etcd-server${ssl(input.etcd.peer_scheme)}._tcp`, 'SRV', input.peers.map((peer) => `0 0 ${input.etcd.peer_port} ${fqdn(peer.hostname)}`));
    add(`_etcd-client${ssl(input.etcd.client_scheme)}._tcp`, 'SRV', input.peers.map((peer) => `0 0 ${input.etcd.client_port} ${fqdn(peer.hostname)}`));
  }
  return sets;
}
