import type { Config } from '../config/schema.js';
import { MusterError, describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { retry } from '../core/retry.js';
import { underLeaseLock } from '../etcd/join-lock.js';
import type { Discovery } from '../platform/types.js';
import type { SwarmConfig } from './config-schema.js';
import { decideSwarm, localSwarm, type LocalSwarm, type SwarmDecision } from './decide.js';
import { EngineClient } from './engine-client.js';
import { joinSwarm } from './join.js';
import { maintenanceNeeded, planMaintenance, type MaintenancePlan } from './maintenance-plan.js';
import { applyMaintenance, describeMaintenance } from './maintenance.js';
import { swarmAddr } from './join-addresses.js';
import { SWARM_LOCK_KEY, type StoredSwarm } from './record.js';
import { openSwarmStore, type SwarmStore } from './store.js';

export interface SwarmStepOptions {
  config: Config;
  swarm: SwarmConfig;
  discover: () => Promise<Discovery>;
  logger: Logger;
  dryRun: boolean;
}

/** Everything one run works with: this node, its engine, the store. */
export interface SwarmContext {
  swarm: SwarmConfig;
  discovery: Discovery;
  /** This node's advertise address, ip:port. */
  self: string;
  engine: EngineClient;
  store: SwarmStore;
  logger: Logger;
}

/** One read of the engine and the store, and what it means. */
interface Observation {
  local: LocalSwarm;
  stored: StoredSwarm;
  decision: SwarmDecision;
  /** For a manager already in the recorded swarm: what it keeps in order. */
  maintenance?: MaintenancePlan;
}

/**
 * The `swarm` step: decide from this engine's state and the record in etcd, then init, join or
 * adopt, and (on a manager) keep the swarm in order: dead managers out without losing quorum,
 * tokens rotated once, the stored tokens and manager addresses current. Every change is made
 * under the swarm lock on a fresh read; a run with nothing to change takes no lock and writes
 * nothing.
 */
export async function runSwarmStep(options: SwarmStepOptions): Promise<string[]> {
  const { config, swarm, logger, dryRun } = options;
  const deadline = Date.now() + swarm.timeout;
  const discovery = await options.discover();
  const ip = swarm.advertise === 'auto' ? discovery.self.ip : swarm.advertise;
  const store = await openSwarmStore(config, discovery);
  const context: SwarmContext = { swarm, discovery, self: swarmAddr(ip, swarm.listen_port), engine: new EngineClient({ socket: swarm.socket }), store, logger };
  try {
    const first = await retry(() => observe(context, { waitIsError: !dryRun }), {
      timeoutMs: swarm.timeout,
      what: `swarm: decide about ${context.engine.socket} with the record in etcd (${store.endpoints.join(', ')})`,
      hint: 'a worker waits for a manager to form the swarm, and every node for etcd and its engine: check both, or raise swarm.timeout',
      maxDelayMs: 2000,
      onRetry: (error, attempt) => logger.info({ attempt, error: describeError(error) }, 'swarm: not decided yet, retrying'),
    });
    logger.info({ action: first.decision.action, reason: first.decision.reason }, 'swarm decision');
    if (dryRun) return describePlan(context, first);
    if (first.decision.action === 'member' && (first.maintenance === undefined || !maintenanceNeeded(first.maintenance))) {
      return [`already in swarm ${first.decision.clusterId} (${context.self}); nothing to change`, ...(first.maintenance?.reasons ?? []).map((reason) => `because ${reason}`)];
    }
    return await underLeaseLock(
      store.client,
      {
        key: SWARM_LOCK_KEY,
        name: 'swarm lock',
        timeoutMs: Math.max(1000, deadline - Date.now()),
        what: `swarm: change the swarm from ${context.self}`,
        hint: 'another node holds the swarm lock; if none does, it expires by itself within 30s',
        logger,
      },
      // Under the lock the world is read again: the node that held it before may have formed the swarm.
      async () => apply(context, await observe(context, { waitIsError: true })),
    );
  } finally {
    store.close();
  }
}

async function observe(context: SwarmContext, options: { waitIsError: boolean }): Promise<Observation> {
  const local = localSwarm(await context.engine.info());
  const stored = await context.store.read();
  const decision = decideSwarm({ role: context.swarm.role, local, stored });
  if (decision.action === 'refuse') throw new MusterError(`swarm: ${decision.reason}`, { code: decision.code, kind: 'unsafe', hint: decision.hint });
  if (decision.action === 'wait' && options.waitIsError) throw new MusterError(`swarm: ${decision.reason}`, { code: 'SWARM_WAIT', kind: 'unavailable', retryable: true });
  if (decision.action !== 'member' || !local.controlAvailable) return { local, stored, decision };
  return { local, stored, decision, maintenance: await planFor(context, local, stored) };
}

async function planFor(context: SwarmContext, local: LocalSwarm, stored: StoredSwarm): Promise<MaintenancePlan> {
  const [swarm, nodes] = await Promise.all([context.engine.swarm(), context.engine.nodes()]);
  return planMaintenance({
    swarm,
    nodes,
    stored,
    discovered: new Set(context.discovery.peers.map((peer) => peer.ip)),
    selfId: local.nodeId,
    target: context.swarm.managers,
    rotateTokens: context.swarm.rotate_tokens,
  });
}

async function apply(context: SwarmContext, observation: Observation): Promise<string[]> {
  const { decision } = observation;
  const lines: string[] = [];
  switch (decision.action) {
    case 'init':
      lines.push(await initSwarm(context));
      break;
    case 'adopt':
      lines.push(await adoptSwarm(context, observation.local));
      break;
    case 'join':
      lines.push(...(await joinSwarm(context, observation.stored, decision)));
      break;
    case 'member':
      lines.push(`already in swarm ${decision.clusterId} (${context.self})`);
      break;
    case 'wait':
    case 'refuse':
      throw new MusterError(`swarm: ${decision.reason}`, { code: 'INTERNAL' });
  }
  lines.push(`because ${decision.reason}`);
  // A manager keeps the swarm in order, on what the engine says now (it may have just joined).
  const local = localSwarm(await context.engine.info());
  if (context.swarm.role === 'manager' && local.controlAvailable) {
    const plan = await planFor(context, local, await context.store.read());
    if (maintenanceNeeded(plan)) lines.push(...(await applyMaintenance(context, plan)));
    lines.push(...plan.reasons.map((reason) => `because ${reason}`));
  }
  return lines;
}

async function initSwarm(context: SwarmContext): Promise<string> {
  const { engine, store, logger } = context;
  const started = Date.now();
  await engine.init({ ListenAddr: context.self, AdvertiseAddr: context.self });
  const info = localSwarm(await engine.info());
  const swarm = await engine.swarm();
  // Tokens and addresses first, the record last: whoever sees the record finds what it needs to join.
  await store.putTokens(swarm.JoinTokens);
  await store.putManagers([context.self]);
  await store.putRecord({ cluster_id: swarm.ID, leader: { name: context.discovery.self.name, node_id: info.nodeId, addr: context.self }, time: new Date().toISOString(), how: 'init' });
  logger.info({ cluster_id: swarm.ID, node_id: info.nodeId, advertise: context.self, ms: Date.now() - started }, 'swarm init ran: this node formed the swarm');
  return `ran swarm init: swarm ${swarm.ID}, this node ${info.nodeId} on ${context.self} (${Date.now() - started} ms); recorded in etcd`;
}

async function adoptSwarm(context: SwarmContext, local: LocalSwarm): Promise<string> {
  const swarm = await context.engine.swarm();
  await context.store.putTokens(swarm.JoinTokens);
  await context.store.putRecord({ cluster_id: swarm.ID, leader: { name: context.discovery.self.name, node_id: local.nodeId, addr: context.self }, time: new Date().toISOString(), how: 'adopted' });
  context.logger.info({ cluster_id: swarm.ID, node_id: local.nodeId }, 'swarm adopted: recorded the swarm this manager was already in');
  return `recorded swarm ${swarm.ID}, which this manager was already in, as the cluster's`;
}

function describePlan(context: SwarmContext, observation: Observation): string[] {
  const { decision } = observation;
  const lines: string[] = [];
  switch (decision.action) {
    case 'init':
      lines.push(`would run swarm init on ${context.self} (under the swarm lock, if no other manager has by then) and record it in etcd`);
      break;
    case 'adopt':
      lines.push(`would record swarm ${decision.clusterId}, which this manager is in, as the cluster's`);
      break;
    case 'join':
      lines.push(`would join swarm ${decision.clusterId} as a ${decision.token} from ${context.self}`);
      break;
    case 'member':
      lines.push(`already in swarm ${decision.clusterId} (${context.self})`);
      if (observation.maintenance) lines.push(...describeMaintenance(observation.maintenance).map((change) => `would ${change}`));
      break;
    case 'wait':
      lines.push('would wait');
      break;
    case 'refuse':
      break;
  }
  lines.push(`because ${decision.reason}`, ...(observation.maintenance?.reasons ?? []).map((reason) => `because ${reason}`));
  return lines;
}
