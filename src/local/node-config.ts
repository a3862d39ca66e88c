import { stringify } from 'yaml';

export interface SandboxSettings {
  dir: string;
  clientPort: number;
  peerPort: number;
  timeout: string;
}

export const SANDBOX_ZONE = 'local.muster.';
export const SANDBOX_ZONE_FILE = '/var/lib/muster/zones/local.muster.zone';

/**
 * The config of one simulated node: an ordinary muster config with the `local` platform and the
 * node's directory as `root`, so the node runs exactly the code a real node runs: its hostname
 * (from its Role tag and address) goes to its own /etc under root, and the group's records to a
 * zone file under root.
 */
export function renderNodeConfig(name: string, nodeRoot: string, settings: SandboxSettings): string {
  return stringify({
    root: nodeRoot,
    platform: { type: 'local', dir: settings.dir, self: name },
    hostname: { tag_name: 'Role', glue: '-', ip_address: { octets: 2, glue: '-' }, apply: true },
    dns: {
      zone: SANDBOX_ZONE,
      owner_id: 'muster-local',
      records: { node: true, members: 'etcd', etcd_srv: true },
      provider: { type: 'zone-file', path: SANDBOX_ZONE_FILE },
    },
    etcd: {
      client_port: settings.clientPort,
      peer_port: settings.peerPort,
      // Every node shares 127.0.0.1 here, so only the node's own address is used.
      listen_localhost: false,
      data_dir: '/var/lib/etcd',
      env_file: '/run/muster/etcd.env',
      drop_in_file: null,
      timeout: settings.timeout,
    },
  });
}
