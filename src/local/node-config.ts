import { stringify } from 'yaml';

export interface SandboxSettings {
  dir: string;
  clientPort: number;
  peerPort: number;
  timeout: string;
  /** The sandbox CA's directory when the nodes run etcd over TLS, else undefined (plain http). */
  caDir: string | undefined;
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
    // With a pki section muster runs etcd over https with client-certificate auth (etcd.tls defaults).
    ...(settings.caDir === undefined
      ? {}
      : {
          pki: {
            issuer: { type: 'local-ca', ca_cert_file: `${settings.caDir}/ca.pem`, ca_key_file: `${settings.caDir}/ca-key.pem` },
            // etcd's peer client-cert auth checks a connecting peer's certificate against the
            // address it connects from. Sandbox nodes share one machine, and the kernel sends
            // their connections between loopback addresses from 127.0.0.1.
            extra_sans: ['127.0.0.1'],
            // The sandbox CA is for the sandbox: the machine running it does not trust it system-wide.
            trust: false,
            ca_path: null,
          },
        }),
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
