import * as z from 'zod';
import { absolutePath, duration, port } from '../config/common.js';

const scheme = z.enum(['http', 'https']);

// A pki certificate: "node", or the name of one of pki.extra.
const certificateName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { message: 'name the node certificate (node) or one of pki.extra' });

export const etcdTlsSchema = z.strictObject({
  certificate: certificateName
    .default('node')
    .describe('pki certificate etcd serves clients with (ETCD_CERT_FILE, ETCD_KEY_FILE): node, or the name of one of pki.extra. It needs the server and client usages.'),
  peer_certificate: certificateName
    .optional()
    .describe('pki certificate etcd members talk to each other with (ETCD_PEER_CERT_FILE, ETCD_PEER_KEY_FILE). Default: the same as certificate.'),
  files: z
    .strictObject({
      ca: absolutePath.describe('CA bundle etcd and muster trust (ETCD_TRUSTED_CA_FILE).'),
      cert: absolutePath.describe('Certificate etcd serves clients with, and muster presents (ETCD_CERT_FILE); needs the server and client usages.'),
      key: absolutePath.describe('Its private key (ETCD_KEY_FILE).'),
      peer_ca: absolutePath.optional().describe('CA for the peer side (ETCD_PEER_TRUSTED_CA_FILE). Default: ca.'),
      peer_cert: absolutePath.optional().describe('Peer certificate (ETCD_PEER_CERT_FILE). Default: cert.'),
      peer_key: absolutePath.optional().describe('Its private key (ETCD_PEER_KEY_FILE). Default: key.'),
    })
    .optional()
    .describe('Certificate files made by something other than muster (etcd-bootstrap\'s --tls-* flags), used instead of pki\'s: with them, https needs no pki section. Paths as the node sees them (under root).'),
  client_cert_auth: z
    .boolean()
    .default(true)
    .describe('Require certificates signed by the cluster CA from clients and from peers (ETCD_CLIENT_CERT_AUTH, ETCD_PEER_CLIENT_CERT_AUTH).'),
});

const hostPort = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'must be host:port, such as 127.0.0.1:2379' });

export const etcdProxySchema = z.strictObject({
  endpoints: z
    .array(z.url({ message: 'must be a client URL such as https://etcd.k8s.example.com:2379' }))
    .min(1)
    .describe('Client URLs to ask for the member list at every boot: a member, or the members record muster publishes (dns.records.members, e.g. https://etcd.<zone>:2379). The proxy is pointed at every started voter they list.'),
  listen: hostPort.default('127.0.0.1:2379').describe('Where the gateway or grpc-proxy listens for local clients.'),
  args_file: absolutePath
    .default('/run/muster/etcd-proxy.env')
    .describe('Written with MUSTER_ETCD_PROXY_ARGS, the arguments of `etcd gateway start` or `etcd grpc-proxy start` (contrib/systemd/muster-etcd-proxy.service runs `etcd $MUSTER_ETCD_PROXY_ARGS`).'),
});

export const etcdConfigSchema = z.strictObject({
  mode: z
    .enum(['member', 'gateway', 'grpc-proxy'])
    .default('member')
    .describe('member: this node runs a voting etcd member. gateway / grpc-proxy (workers): it runs `etcd gateway` (TCP) or `etcd grpc-proxy` (gRPC, with this node\'s client certificate when https) in front of the members, so local clients use etcd.proxy.listen while only the members vote.'),
  proxy: etcdProxySchema.optional().describe('mode gateway or grpc-proxy: where the members are and where to listen.'),
  client_scheme: scheme.optional().describe('Scheme of client URLs. Default: https when `pki` is configured, else http.'),
  client_port: port.default(2379).describe('Port etcd serves clients on.'),
  peer_scheme: scheme.optional().describe('Scheme of peer URLs. Default: https when `pki` is configured, else http.'),
  peer_port: port.default(2380).describe('Port etcd members talk to each other on.'),
  listen_localhost: z.boolean().default(true).describe('Also listen for clients on 127.0.0.1.'),
  data_dir: absolutePath.default('/var/lib/etcd').describe('etcd data directory (under root).'),
  env_file: absolutePath
    .nullable()
    .default('/run/muster/etcd.env')
    .describe('Where to write the ETCD_* environment (KEY=value; a systemd EnvironmentFile). null: none.'),
  env_style: z
    .enum(['muster', 'etcd-bootstrap'])
    .default('muster')
    .describe(
      'etcd-bootstrap: env_file holds exactly etcd-bootstrap\'s variables in its order (no ETCD_DATA_DIR, so a --data-dir given to etcd is not shadowed), plus ETCD_INITIAL_CLUSTER_TOKEN and the TLS variables; for `set -a; . FILE; exec etcd "$@"`.',
    ),
  drop_in_file: absolutePath
    .nullable()
    .default('/etc/systemd/system/etcd.service.d/70-initial-cluster.conf')
    .describe('NodeReg\'s systemd drop-in with the same variables. null: none.'),
  tls: etcdTlsSchema
    .prefault({})
    .describe('etcd over TLS (used for each https scheme): which pki certificates under pki.certificates_path etcd and muster\'s own probes use; the CA is pki\'s ca.pem.'),
  timeout: duration.prefault('2m').describe('Keep retrying discovery and probes this long, then fail.'),
  probe_timeout: duration.prefault('2s').describe('Deadline of one probe of one peer.'),
  stale_after: duration
    .prefault('2m')
    .describe(
      '`muster etcd reconcile`: a member that a successful discovery no longer lists is removed once it has not answered for this long (measured from the first sighting, recorded in the cluster), so a replacement only adds itself. A member that answers again is never removed.',
    ),
  unstarted_grace: duration
    .prefault('5m')
    .describe(
      'A learner that was added but never started blocks every later join (etcd allows one learner at a time). Once muster has seen it unstarted this long (measured from the first sighting, recorded in the cluster), a joiner removes it: an unstarted learner holds no data and no vote.',
    ),
});

export type EtcdProxyConfig = z.infer<typeof etcdProxySchema>;

/** The etcd section once the config is loaded: both schemes are decided (decideSchemes in tls-config.ts). */
export type EtcdConfig = Omit<z.infer<typeof etcdConfigSchema>, 'client_scheme' | 'peer_scheme'> & {
  client_scheme: z.infer<typeof scheme>;
  peer_scheme: z.infer<typeof scheme>;
};
