import { guardDecision } from '../../node/guard.js';
import type { BootStepModule } from '../step.js';

/** NodeReg's Base module: nothing else runs on an image-building instance. */
export const guardStep: BootStepModule = {
  name: 'guard',
  configured: () => true,
  async run({ config, discover }) {
    const decision = guardDecision((await discover()).self.tags, config.base);
    return {
      lines: [decision.reason],
      ...(decision.building ? { imageBuild: { block: config.base.on_build === 'block', reason: decision.reason } } : {}),
    };
  },
};
