import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { probePeer } from '../etcd/probe.js';
import type { TlsMaterial } from '../etcd/tls.js';
import { isStarted } from '../etcd/types.js';

export type NodeState = 'voter' | 'learner' | 'starting' | 'down';

export interface NodeStatus {
  name: string;
  ip: string;
  client_url: string;
  peer_url: string;
  state: NodeState;
}

export interface ClusterView {
  nodes: NodeStatus[];
  /** Peer URLs of the member list as the first answering node sees it. */
  memberPeerUrls: string[];
  healthy: boolean;
}

/**
 * How each node looks from outside: its own member entry, and etcd's /health on its client URL.
 * Over https it presents `tls` (the sandbox's admin certificate) and trusts only its CA.
 */
export async function viewCluster(nodes: readonly { name: string; ip: string; clientUrl: string; peerUrl: string }[], tls?: TlsMaterial): Promise<ClusterView> {
  let memberPeerUrls: string[] | undefined;
  const statuses = await Promise.all(
    nodes.map(async (node): Promise<NodeStatus> => {
      const base = { name: node.name, ip: node.ip, client_url: node.clientUrl, peer_url: node.peerUrl };
      const probe = await probePeer({ peer: node.name, url: node.peerUrl }, { timeoutMs: 1000, ...(tls ? { tls } : {}) });
      if (probe.kind !== 'member') return { ...base, state: probe.kind === 'no-etcd' ? 'down' : 'starting' };
      memberPeerUrls ??= probe.members.flatMap((member) => member.peerURLs);
      const own = probe.members.find((member) => member.peerURLs.includes(node.peerUrl));
      if (!own || !isStarted(own)) return { ...base, state: 'starting' };
      if (own.isLearner) return { ...base, state: 'learner' };
      return { ...base, state: (await clientHealthy(node.clientUrl, tls)) ? 'voter' : 'starting' };
    }),
  );
  const expected = nodes.map((node) => node.peerUrl).sort();
  const members = [...(memberPeerUrls ?? [])].sort();
  const healthy = statuses.every((status) => status.state === 'voter') && JSON.stringify(members) === JSON.stringify(expected);
  return { nodes: statuses, memberPeerUrls: members, healthy };
}

/** etcd's GET /health answers {"health":"true"} when the member sees a leader. */
function clientHealthy(clientUrl: string, tls: TlsMaterial | undefined): Promise<boolean> {
  const url = new URL('/health', clientUrl);
  const get = url.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve) => {
    const request = get(url, { timeout: 1000, agent: false, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 && /"health"\s*:\s*"true"/.test(body)));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
