import type { HostnameConfig } from '../node/config-schema.js';
import { computeHostname } from '../node/hostname.js';
import type { NodeFacts } from '../platform/types.js';

/**
 * A peer's host name for its DNS record: the hostname rule when the config has a `hostname`
 * section, else the name the platform gives it (its etcd member name), lower-cased.
 */
export function peerHostname(peer: NodeFacts, config: HostnameConfig | undefined): string {
  if (config) return computeHostname(peer.tags, peer.ip, config);
  return computeHostname({ name: peer.name }, peer.ip, { tag_name: 'name', glue: '', ip_address: { octets: 0, glue: '' }, apply: false });
}
