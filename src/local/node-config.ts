import { stringify } from 'yaml';

export interface SandboxSettings {
  dir: string;
  clientPort: number;
  peerPort: number;
  timeout: string;
}

/**
 * The config of one simulated node: an ordinary muster config with the `local` platform and the
 * node's directory as `root`, so the node runs exactly the code a real node runs.
 */
export function renderNodeConfig(name: string, nodeRoot: string, settings: SandboxSettings): string {
  return stringify({
    root: nodeRoot,
    platform: { type: 'local', dir: settings.dir, self: name },
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
