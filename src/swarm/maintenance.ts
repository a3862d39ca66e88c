import type { MaintenancePlan } from './maintenance-plan.js';
import { reachableManagerAddrs } from './maintenance-plan.js';
import type { SwarmContext } from './swarm-step.js';

/** The plan's changes in words, for the report and --dry-run. Tokens are never shown. */
export function describeMaintenance(plan: MaintenancePlan): string[] {
  return [
    ...(plan.remove ? [`demote and remove manager ${plan.remove.Description?.Hostname ?? plan.remove.ID} (${plan.remove.ManagerStatus?.Addr ?? ''}, ${plan.remove.ID})`] : []),
    ...(plan.rotate ? ['rotate both join tokens and store the new ones in etcd'] : []),
    ...(plan.storeTokens && !plan.rotate ? ['store the swarm\'s join tokens in etcd'] : []),
    ...(plan.storeManagers ? [`store the reachable managers ${plan.storeManagers.join(', ')} in etcd`] : []),
  ];
}

/**
 * Applies a maintenance plan decided under the swarm lock. The dead manager is demoted first
 * (raft drops it from the quorum), then its node entry removed; the tokens and the manager list
 * are read back from the engine after the changes, so what is stored is what the swarm has.
 */
export async function applyMaintenance(context: SwarmContext, plan: MaintenancePlan): Promise<string[]> {
  const { engine, store, logger } = context;
  const lines: string[] = [];
  if (plan.remove) {
    const node = plan.remove;
    const name = `${node.Description?.Hostname ?? node.ID} (${node.ManagerStatus?.Addr ?? ''}, ${node.ID})`;
    await engine.demote(node);
    await engine.removeNode(node.ID);
    logger.info({ node_id: node.ID, addr: node.ManagerStatus?.Addr }, 'swarm: dead manager demoted and removed');
    lines.push(`demoted and removed manager ${name}`);
  }
  if (plan.rotate) {
    await engine.rotateJoinTokens(await engine.swarm());
    logger.info('swarm: both join tokens rotated');
  }
  if (plan.storeTokens) {
    await store.putTokens((await engine.swarm()).JoinTokens);
    lines.push(plan.rotate ? 'rotated both join tokens; stored the new ones in etcd' : 'stored the swarm\'s join tokens in etcd');
  }
  // Recorded after the new tokens are stored: a crash in between rotates again, which is harmless.
  if (plan.rotate) await store.putRotated(context.discovery.self.name);
  if (plan.storeManagers || plan.remove) {
    const addrs = reachableManagerAddrs(await engine.nodes());
    await store.putManagers(addrs);
    lines.push(`stored the reachable managers in etcd: ${addrs.join(', ')}`);
  }
  return lines;
}
