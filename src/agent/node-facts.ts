import { uptime } from 'node:os';
import { musterVersion } from '../cli/version.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { NodeFacts } from '../platform/types.js';
import type { DockerEngine } from './docker-engine.js';
import type { NodeRecord } from './node-record.js';

/** The machine's boot time, to the second (uptime has sub-second jitter between reads). */
export function bootTime(now: number, uptimeSeconds: number): string {
  return new Date(Math.floor((now - uptimeSeconds * 1000) / 1000) * 1000).toISOString();
}

/** This node's registry value; the swarm node id only when the local engine is in a swarm. */
export async function nodeRecord(self: NodeFacts, role: string, docker: DockerEngine, logger: Logger): Promise<NodeRecord> {
  const record: NodeRecord = { name: self.name, role, ip: self.ip, version: musterVersion(), boot_time: bootTime(Date.now(), uptime()) };
  if (!docker.present()) {
    logger.debug({ socket: docker.socketPath }, 'no Docker socket: the registry value has no swarm node id');
    return record;
  }
  try {
    const info = await docker.swarmInfo();
    return info.nodeId ? { ...record, swarm_node_id: info.nodeId } : record;
  } catch (error) {
    logger.warn({ error: describeError(error) }, 'Docker did not answer: the registry value has no swarm node id');
    return record;
  }
}
