import * as z from 'zod';
import { absolutePath, duration } from '../config/common.js';

const label = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { message: 'must be a lower-case label such as manager or worker' });

export const agentConfigSchema = z.strictObject({
  role: label
    .default('node')
    .describe('This node\'s role in the registry key /muster/nodes/<role>/<name> (coreos-docker-swarm-cluster\'s node-role: manager or worker).'),
  ttl: duration
    .prefault('60s')
    .describe('TTL of the etcd lease the registry key lives on (the seed\'s 60 s): a node that stops keeping it alive (killed, partitioned) leaves the registry this long after its last keepalive. Whole seconds, at least 1s.'),
  keepalive: duration
    .optional()
    .describe('How often the lease is kept alive (one LeaseKeepAlive per interval: no raft write). Default: ttl / 3, so two keepalives may be lost before the key goes.'),
  endpoints: z
    .array(z.url({ message: 'must be an etcd client URL such as https://10.0.0.1:2379' }))
    .min(1)
    .optional()
    .describe('etcd client URLs the agent and `muster nodes` use. Default: on a member, the started voters found by probing the discovered peers; with etcd.mode gateway or grpc-proxy, the local etcd.proxy.listen.'),
  docker_socket: absolutePath
    .default('/var/run/docker.sock')
    .describe('Docker Engine API socket (under root): the swarm node id for the registry value, and `POST /swarm/leave` on stop. Absent socket: both are skipped with a log line.'),
  leave_swarm_on_stop: z
    .boolean()
    .default(false)
    .describe('On stop, a swarm worker leaves the swarm (the seed\'s node-lifecycle did `docker swarm leave`). A manager never does: leaving could cost the managers their quorum.'),
}).superRefine((agent, ctx) => {
  if (agent.ttl < 1000) ctx.addIssue({ code: 'custom', path: ['ttl'], message: 'etcd leases last whole seconds: at least 1s' });
  // A keepalive as long as the TTL lets the lease expire between two keepalives.
  if (agent.keepalive !== undefined && agent.keepalive >= agent.ttl) {
    ctx.addIssue({ code: 'custom', path: ['keepalive'], message: `must be shorter than agent.ttl (${agent.ttl}ms), or the key expires between keepalives; default ttl / 3` });
  }
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** etcd leases are granted in whole seconds. */
export function leaseTtlSeconds(agent: AgentConfig): number {
  return Math.max(1, Math.round(agent.ttl / 1000));
}

/** The keepalive interval: as configured, else a third of the TTL (etcd3's and etcdctl's choice). */
export function keepaliveIntervalMs(agent: AgentConfig): number {
  return agent.keepalive ?? Math.max(100, Math.round((leaseTtlSeconds(agent) * 1000) / 3));
}
