import { connect } from 'node:net';
import { hostOf } from './quorum-plan.js';
import type { StoredSwarm } from './record.js';

/** "ip:port", with brackets for IPv6. */
export function swarmAddr(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Where a joiner may dial, best first: the managers last stored as reachable, the one that
 * formed the swarm, then (for a manager) the discovered peers on the swarm port, which are the
 * other managers of its group. Never itself. Pure.
 */
export function joinCandidates(input: { stored: StoredSwarm; self: string; role: 'manager' | 'worker'; peers: readonly string[]; port: number }): string[] {
  const fromPeers = input.role === 'manager' ? input.peers.map((ip) => swarmAddr(ip, input.port)) : [];
  const all = [...input.stored.managers, ...(input.stored.record ? [input.stored.record.leader.addr] : []), ...fromPeers];
  return [...new Set(all)].filter((addr) => hostOf(addr) !== hostOf(input.self));
}

/** Whether something accepts TCP connections on addr within timeoutMs (a dead manager does not). */
export function acceptsConnections(addr: string, timeoutMs: number): Promise<boolean> {
  const host = hostOf(addr);
  const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
