import type { Config } from '../config/schema.js';
import { systemClock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { underRoot } from '../core/root-path.js';
import { forwardingSignals } from '../core/signals.js';
import { keepaliveIntervalMs, leaseTtlSeconds } from './config-schema.js';
import { Outbox } from './delivery/outbox.js';
import { DockerEngine } from './docker-engine.js';
import { EventsLeadership } from './events/leadership.js';
import { nodeRecord } from './node-facts.js';
import { registryKey, serializeRecord } from './node-record.js';
import type { RegistryClient } from './registry-client.js';
import { connectRegistry } from './connect.js';
import { Registration } from './registration.js';

/**
 * `muster agent`: registers this node, takes part in the events election when events are
 * configured, delivers its queued events, and on SIGTERM / SIGINT leaves cleanly: as leader its
 * own down event first, then the lease revoked (the key goes at once), the swarm left when
 * configured, the queue drained for events.drain_timeout.
 */
export async function runAgent(config: Config, logger: Logger): Promise<void> {
  let registered = false;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    for (const [signal, number] of [['SIGTERM', 15], ['SIGINT', 2]] as const) {
      process.once(signal, () => {
        // Still looking for etcd: nothing to undo, so stop at once (as a process without handlers would).
        if (!registered) process.exit(128 + number);
        resolve(signal);
      });
    }
  });
  // As PID 1 (a container) muster exits at once on these signals unless told someone handles them.
  forwardingSignals(true);
  const { client, self } = await connectRegistry(config, logger);
  const facts = await self();
  const docker = new DockerEngine(underRoot(config.root, config.agent.docker_socket));
  const record = await nodeRecord(facts, config.agent.role, docker, logger);
  const key = registryKey(record);
  const keepaliveMs = keepaliveIntervalMs(config.agent);
  const registration = new Registration({ client, key, value: serializeRecord(record), ttlSeconds: leaseTtlSeconds(config.agent), keepaliveMs, logger });

  const outbox = config.events && config.events.webhooks.length > 0 ? await Outbox.open(config.root, config.events, logger) : undefined;
  const leadership =
    outbox && config.events
      ? new EventsLeadership({ client, nodeName: record.name, pollMs: keepaliveMs, replaceWindowMs: config.events.replace_window, enqueue: (event) => outbox.enqueue(event), logger })
      : undefined;
  const campaigns: Promise<void>[] = [];
  if (leadership) registration.onLease((lease, lost) => campaigns.push(leadership.campaign(lease, lost)));
  registration.start();
  registered = true;

  const signal = await stopRequested;
  logger.info({ signal }, 'stopping');
  if (leadership?.isLeader) await sendOwnDown(client, leadership, key, logger);
  await registration.stop();
  await Promise.all(campaigns);
  if (config.agent.leave_swarm_on_stop) await leaveSwarm(docker, logger);
  if (outbox && config.events) await outbox.stop(config.events.drain_timeout);
  client.close();
  forwardingSignals(false);
}

/**
 * The leader is the one agent that would not see its own key go: it deletes the key itself and
 * waits (briefly) for its watch to turn that into a down event, before revoking.
 */
async function sendOwnDown(client: RegistryClient, leadership: EventsLeadership, key: string, logger: Logger): Promise<void> {
  try {
    await client.deleteKey(key);
    const deadline = systemClock.now() + 3000;
    while (leadership.knows(key) && systemClock.now() < deadline) await systemClock.sleep(50);
  } catch (error) {
    logger.warn({ error: describeError(error) }, 'could not report this node down before stopping; the next leader will');
  }
}

async function leaveSwarm(docker: DockerEngine, logger: Logger): Promise<void> {
  const { leaveSwarmIfWorker } = await import('./swarm-leave.js');
  await leaveSwarmIfWorker(docker, logger);
}
