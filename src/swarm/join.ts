import { MusterError, describeError } from '../core/errors.js';
import type { SwarmDecision } from './decide.js';
import { localSwarm } from './decide.js';
import { acceptsConnections, joinCandidates } from './join-addresses.js';
import type { StoredSwarm } from './record.js';
import type { SwarmContext } from './swarm-step.js';

const PROBE_MS = 1000;
const SETTLE_MS = 20_000;

/**
 * Joins the recorded swarm with the role's token, dialling one manager at a time (swarmkit only
 * dials the first remote address it is given, so a dead first manager would fail the join), the
 * ones that accept connections first. A manager then waits until the swarm lists it reachable,
 * so what it stores next, and what the user sees in `docker node ls`, includes it.
 */
export async function joinSwarm(context: SwarmContext, stored: StoredSwarm, decision: Extract<SwarmDecision, { action: 'join' }>): Promise<string[]> {
  const { engine, logger } = context;
  const token = stored.tokens[decision.token];
  if (token === undefined) throw new MusterError(`swarm: no ${decision.token} join token stored`, { code: 'SWARM_WAIT', kind: 'unavailable', retryable: true });
  const candidates = joinCandidates({ stored, self: context.self, role: context.swarm.role, peers: context.discovery.peers.map((peer) => peer.ip), port: context.swarm.listen_port });
  const open = await Promise.all(candidates.map(async (addr) => ({ addr, open: await acceptsConnections(addr, PROBE_MS) })));
  const order = [...open.filter((entry) => entry.open), ...open.filter((entry) => !entry.open)].map((entry) => entry.addr);
  if (!open.some((entry) => entry.open)) {
    throw new MusterError(`swarm: no manager of swarm ${decision.clusterId} accepts connections (tried ${candidates.join(', ') || 'none known'})`, {
      code: 'SWARM_NO_MANAGER',
      kind: 'unavailable',
      retryable: true,
      hint: `the managers listen on swarm.listen_port (${context.swarm.listen_port}); check that they run and that this node reaches them`,
    });
  }
  const failures: string[] = [];
  for (const addr of order) {
    const started = Date.now();
    try {
      await engine.join({ ListenAddr: context.self, AdvertiseAddr: context.self, RemoteAddrs: [addr], JoinToken: token });
    } catch (error) {
      // A join that timed out goes on in the background (the node is "pending"): wait for it
      // rather than dial the next manager into a node that is already joining.
      if (!(await settled(context))) {
        failures.push(`${addr}: ${describeError(error)}`);
        continue;
      }
    }
    logger.info({ cluster_id: decision.clusterId, via: addr, role: decision.token, ms: Date.now() - started }, 'swarm join ran');
    const lines = [`joined swarm ${decision.clusterId} as a ${decision.token} via ${addr} (${Date.now() - started} ms)`];
    if (decision.token === 'manager') lines.push(await waitReachable(context));
    return lines;
  }
  throw new MusterError(`swarm: could not join swarm ${decision.clusterId}: ${failures.join('; ')}`, {
    code: 'SWARM_JOIN_FAILED',
    kind: 'unavailable',
    retryable: true,
    hint: 'see journalctl -u docker on this node and on the managers named',
  });
}

/** After a failed join call: true once the engine is active, false if it is not joining at all. */
async function settled(context: SwarmContext): Promise<boolean> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const local = localSwarm(await context.engine.info());
    if (local.state === 'active') return true;
    if (local.state !== 'pending' || Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function waitReachable(context: SwarmContext): Promise<string> {
  const started = Date.now();
  const local = localSwarm(await context.engine.info());
  while (Date.now() - started < SETTLE_MS) {
    const nodes = await context.engine.nodes().catch(() => []);
    if (nodes.some((node) => node.ID === local.nodeId && node.ManagerStatus?.Reachability === 'reachable')) return `listed as a reachable manager after ${Date.now() - started} ms`;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  context.logger.warn({ node_id: local.nodeId }, 'swarm: joined as a manager, but not listed as reachable yet');
  return `joined, but not listed as a reachable manager within ${SETTLE_MS / 1000}s`;
}
