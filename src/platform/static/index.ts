import { sortPeers, type Discovery, type Platform } from '../types.js';
import type { StaticPlatformConfig } from './schema.js';

/** A fixed list of peers from the config: always a complete discovery. */
export function createStaticPlatform(config: StaticPlatformConfig): Platform {
  const peers = sortPeers(
    config.peers.map((peer) => ({ id: peer.id ?? peer.name, name: peer.name, ip: peer.ip, tags: peer.tags ?? {}, state: 'configured' })),
  );
  return {
    type: 'static',
    discover(): Promise<Discovery> {
      const self = peers.find((peer) => peer.name === config.self);
      if (!self) throw new Error(`static platform: self ${config.self} is not among the peers`); // the schema rules this out
      return Promise.resolve({ self: { id: self.id, name: self.name, ip: self.ip, tags: self.tags }, peers, complete: true });
    },
  };
}
