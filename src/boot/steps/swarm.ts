import type { BootStepModule } from '../step.js';

/**
 * Docker Swarm, after etcd and the units (the seed's bootstrap.sh joined the swarm before
 * starting its units; here the units may be what runs the engine): formed once through etcd.
 */
export const swarmStep: BootStepModule = {
  name: 'swarm',
  // Not in muster boot's default list: on a manager, muster-boot.service runs before its own etcd
  // (Before=etcd.service), and the swarm step needs etcd up. muster-swarm.service runs it after
  // etcd and docker (`muster swarm`); boot.steps may still name it.
  configured: () => false,
  async run({ config, logger, dryRun, discover }) {
    if (!config.swarm) return { lines: [] };
    const { runSwarmStep } = await import('../../swarm/swarm-step.js');
    return { lines: await runSwarmStep({ config, swarm: config.swarm, discover, logger, dryRun }) };
  },
};
