import { runPlatformContract } from '../../../test/contract/platform-contract.js';
import { createStaticPlatform } from './index.js';

runPlatformContract('static', () =>
  Promise.resolve({
    platform: createStaticPlatform({
      type: 'static',
      self: 'node-2',
      peers: [
        { name: 'node-3', ip: '10.0.0.13' },
        { name: 'node-1', ip: '10.0.0.11', tags: { Role: 'master' } },
        { name: 'node-2', ip: '10.0.0.12' },
      ],
    }),
    expected: { self: 'node-2', peers: ['node-1', 'node-2', 'node-3'], complete: true },
  }),
);
