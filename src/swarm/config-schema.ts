import * as z from 'zod';
import { absolutePath, duration, ipAddress, port } from '../config/common.js';

/** Docker advises an odd number of managers, and no more than seven (raft gets slower with each). */
export const MAX_MANAGERS = 7;

export const swarmConfigSchema = z.strictObject({
  role: z
    .enum(['manager', 'worker'])
    .describe('manager: a raft member that may run `swarm init` (exactly one per cluster, under an etcd lock) and joins with the manager token. worker: joins with the worker token once a manager has formed the swarm (the seed\'s node-role).'),
  advertise: z
    .union([z.literal('auto'), ipAddress])
    .default('auto')
    .describe('Address the other nodes reach this engine on (--advertise-addr); the engine also listens on it. auto: the address discovery gives this node.'),
  listen_port: port.default(2377).describe('Swarm management port on the advertise address (--listen-addr ADDRESS:PORT, --advertise-addr ADDRESS:PORT).'),
  managers: z
    .number()
    .int()
    .min(1)
    .superRefine((count, ctx) => {
      if (count > MAX_MANAGERS) ctx.addIssue({ code: 'custom', message: `${count} managers: Docker advises at most ${MAX_MANAGERS} (each one slows every raft write); use 3, 5 or 7` });
      else if (count % 2 === 0) ctx.addIssue({ code: 'custom', message: `${count} managers is even: it tolerates no more failures than ${count - 1} and splits evenly; use ${count - 1} or ${count + 1}` });
    })
    .default(3)
    .describe('How many managers the swarm is meant to have: odd, at most 7. Token rotation waits until this many are reachable.'),
  rotate_tokens: z
    .boolean()
    .default(false)
    .describe('Rotate both join tokens once, when `managers` managers are reachable (the tokens used at boot time then no longer admit anyone); recorded in etcd so it happens once per cluster.'),
  socket: absolutePath.default('/var/run/docker.sock').describe('The Docker engine\'s unix socket (not under root: it is the running engine\'s).'),
  timeout: duration.prefault('2m').describe('Keep retrying (etcd, the engine, a manager to form the swarm, the lock) this long, then fail.'),
});

export type SwarmConfig = z.infer<typeof swarmConfigSchema>;
