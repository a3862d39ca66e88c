import type { Config } from '../config/schema.js';
import { MusterError } from '../core/errors.js';
import { probeAll } from '../etcd/probe.js';
import { isStarted } from '../etcd/types.js';
import { peerUrl } from '../etcd/urls.js';
import type { Discovery } from '../platform/types.js';

/**
 * Where the agent and `muster nodes` reach etcd: agent.endpoints when given; on a worker
 * (etcd.mode gateway or grpc-proxy) the local proxy; on a member, the client URLs of the started
 * voters, read from the first discovered peer that answers as a member (as reconcile does), so
 * the client can fail over between them.
 */
export async function registryEndpoints(config: Config, discover: () => Promise<Discovery>, peerTls?: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<string[]> {
  if (config.agent.endpoints) return config.agent.endpoints;
  if (config.etcd.mode !== 'member') return [`${config.etcd.client_scheme}://${config.etcd.proxy?.listen ?? '127.0.0.1:2379'}`];
  const discovery = await discover();
  const answers = await probeAll(
    discovery.peers.map((peer) => ({ peer: peer.name, url: peerUrl(config.etcd, peer.ip) })),
    { timeoutMs: config.etcd.probe_timeout, ...(peerTls ? { tls: peerTls } : {}) },
  );
  const member = answers.find((answer) => answer.kind === 'member');
  const endpoints = member?.kind === 'member' ? member.members.filter((candidate) => isStarted(candidate) && !candidate.isLearner).flatMap((candidate) => candidate.clientURLs) : [];
  if (endpoints.length === 0) {
    throw new MusterError(`no discovered peer answers as an etcd member with a started voter (${answers.map((answer) => `${answer.peer}: ${answer.kind === 'member' ? 'member' : answer.detail}`).join('; ')})`, {
      code: 'AGENT_NO_ETCD',
      kind: 'unavailable',
      retryable: true,
      hint: 'the agent needs a running etcd: start it after etcd (muster-agent.service is ordered after etcd.service), or name the client URLs in agent.endpoints',
    });
  }
  return [...new Set(endpoints)];
}
