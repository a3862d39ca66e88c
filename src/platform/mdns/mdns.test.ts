import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlatformContract } from '../../../test/contract/platform-contract.js';
import { mdnsPlatformSchema } from './schema.js';
import { createMdnsPlatform } from './index.js';

// The contract on a member that has agreed before (its recorded membership); the election
// itself runs over real multicast in test/integration/mdns-platform.test.ts.
runPlatformContract('mdns', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'muster-mdns-contract-'));
  await mkdir(join(dir, 'muster'));
  const member = (name: string, ip: string, role = ''): object => ({ name, id: 1, tiebreak: '0000000000000000', ips: [ip], role, hostKey: '' });
  await writeFile(join(dir, 'muster', 'membership.json'), JSON.stringify({ self: 'node-2', leader: 'node-1', members: [member('node-3', '10.0.0.13'), member('node-1', '10.0.0.11', 'master'), member('node-2', '10.0.0.12')] }));
  const config = mdnsPlatformSchema.parse({ type: 'mdns', secret_file: join(dir, 'secret'), state_dir: dir });
  return {
    platform: createMdnsPlatform(config),
    expected: { self: 'node-2', peers: ['node-1', 'node-2', 'node-3'], complete: true },
    teardown: () => rm(dir, { recursive: true, force: true }),
  };
});
