import type { BootStepModule } from '../step.js';

/** The role's units, after etcd, as the seed's units ran after its etcd: they may use it. */
export const unitsStep: BootStepModule = {
  name: 'units',
  configured: (config) => config.units !== undefined,
  async run({ config, dryRun }) {
    if (!config.units) return { lines: [] };
    const { runUnitsStep } = await import('../../units/units-step.js');
    return { lines: await runUnitsStep({ units: config.units, root: config.root, dryRun }) };
  },
};
