import { awsConfigNotes } from '../platform/aws/config-notes.js';
import type { Config } from './schema.js';

/** Notes on a config that is valid but probably not what its author meant, for `muster config check`. */
export function configNotes(config: Config): string[] {
  const { platform } = config;
  if (platform.type === 'aws') return awsConfigNotes(platform);
  // Neither an SRV lookup nor a vCenter query knows the group's size: only expected_peers does.
  if ((platform.type === 'dns-srv' || platform.type === 'vsphere') && platform.expected_peers === undefined) {
    return [
      `platform.type ${platform.type} without platform.expected_peers: these nodes never create a new etcd cluster (they only join one that exists) and never remove a stale member; set platform.expected_peers to the group's size`,
    ];
  }
  return [];
}
