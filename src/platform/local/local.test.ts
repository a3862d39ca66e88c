import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlatformContract } from '../../../test/contract/platform-contract.js';
import { createLocalPlatform } from './index.js';
import { writeSandboxFile } from './sandbox-file.js';

runPlatformContract('local', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'muster-local-'));
  await writeSandboxFile(dir, {
    version: 1,
    ip_prefix: '127.0.1',
    next_index: 5,
    nodes: [1, 3, 4].map((index) => ({ name: `node-${index}`, ip: `127.0.1.${index}`, index })),
  });
  return {
    platform: createLocalPlatform({ type: 'local', dir, self: 'node-3' }),
    expected: { self: 'node-3', peers: ['node-1', 'node-3', 'node-4'], complete: true },
    teardown: () => rm(dir, { recursive: true, force: true }),
  };
});
