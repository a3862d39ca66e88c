import { sortPeers, type Discovery, type Platform } from '../types.js';
import { readSandboxFile } from './sandbox-file.js';
import type { LocalPlatformConfig } from './schema.js';
import { MusterError } from '../../core/errors.js';

/** The simulated nodes of `muster local`, each on its own loopback address. */
export function createLocalPlatform(config: LocalPlatformConfig): Platform {
  return {
    type: 'local',
    async discover(): Promise<Discovery> {
      const sandbox = await readSandboxFile(config.dir);
      const peers = sortPeers(sandbox.nodes.map((node) => ({ id: node.name, name: node.name, ip: node.ip, tags: { Role: 'master' }, state: 'running' })));
      const self = peers.find((peer) => peer.name === config.self);
      if (!self) {
        throw new MusterError(`local platform: ${config.self} is not a node of the sandbox at ${config.dir}`, {
          code: 'SANDBOX_NODE_UNKNOWN',
          kind: 'config',
          hint: `nodes: ${peers.map((peer) => peer.name).join(', ')}`,
        });
      }
      return { self: { id: self.id, name: self.name, ip: self.ip, tags: self.tags }, peers, complete: true };
    },
  };
}
