import { z } from 'zod';
import { absolutePath, duration, port } from '../config/common.js';

export const etcdConfigSchema = z.strictObject({
  client_scheme: z.enum(['http', 'https']).default('http').describe('Scheme of client URLs.'),
  client_port: port.default(2379).describe('Port etcd serves clients on.'),
  peer_scheme: z.enum(['http', 'https']).default('http').describe('Scheme of peer URLs.'),
  peer_port: port.default(2380).describe('Port etcd members talk to each other on.'),
  listen_localhost: z.boolean().default(true).describe('Also listen for clients on 127.0.0.1.'),
  data_dir: absolutePath.default('/var/lib/etcd').describe('etcd data directory (under root).'),
  env_file: absolutePath
    .nullable()
    .default('/run/muster/etcd.env')
    .describe('Where to write the ETCD_* environment (KEY=value; a systemd EnvironmentFile). null: none.'),
  drop_in_file: absolutePath
    .nullable()
    .default('/etc/systemd/system/etcd.service.d/70-initial-cluster.conf')
    .describe('NodeReg\'s systemd drop-in with the same variables. null: none.'),
  timeout: duration.prefault('2m').describe('Keep retrying discovery and probes this long, then fail.'),
  probe_timeout: duration.prefault('2s').describe('Deadline of one probe of one peer.'),
});

export type EtcdConfig = z.infer<typeof etcdConfigSchema>;
