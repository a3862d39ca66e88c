import type { EtcdConfig } from './config-schema.js';
import { formatInitialCluster, type InitialMember } from './initial-cluster.js';
import { etcdTlsEnvironment, type EtcdTlsFiles } from './tls.js';
import type { SelfUrls } from './types.js';
import { listenClientUrls } from './urls.js';

export interface EtcdStart {
  state: 'new' | 'existing';
  initialCluster: readonly InitialMember[];
  token: string;
}

/**
 * The ETCD_* variables etcd reads at start (the names of its own flags), in a fixed order so
 * that the files muster writes are byte-for-byte stable across runs.
 */
export function etcdEnvironment(config: EtcdConfig, self: SelfUrls & { ip: string }, start: EtcdStart, dataDir: string, tls: EtcdTlsFiles): [string, string][] {
  return [
    ['ETCD_NAME', self.name],
    ['ETCD_DATA_DIR', dataDir],
    ['ETCD_INITIAL_CLUSTER', formatInitialCluster(start.initialCluster)],
    ['ETCD_INITIAL_CLUSTER_STATE', start.state],
    ['ETCD_INITIAL_CLUSTER_TOKEN', start.token],
    ['ETCD_INITIAL_ADVERTISE_PEER_URLS', self.peerUrl],
    ['ETCD_ADVERTISE_CLIENT_URLS', self.clientUrl],
    ['ETCD_LISTEN_PEER_URLS', self.peerUrl],
    ['ETCD_LISTEN_CLIENT_URLS', listenClientUrls(config, self.ip).join(',')],
    ...etcdTlsEnvironment(tls),
  ];
}

// etcd-bootstrap's output file, in its order; muster adds the token (so two clusters formed from
// one peer list never merge) and the TLS variables after them.
const ETCD_BOOTSTRAP_ORDER = [
  'ETCD_INITIAL_CLUSTER_STATE',
  'ETCD_INITIAL_CLUSTER',
  'ETCD_NAME',
  'ETCD_INITIAL_ADVERTISE_PEER_URLS',
  'ETCD_LISTEN_PEER_URLS',
  'ETCD_LISTEN_CLIENT_URLS',
  'ETCD_ADVERTISE_CLIENT_URLS',
  'ETCD_INITIAL_CLUSTER_TOKEN',
];

/**
 * The variables of etcd-bootstrap's output file: its own seven in its order, then the token and
 * TLS ones. ETCD_DATA_DIR is left out: its containers give etcd --data-dir, and etcd refuses to
 * start when a flag and its variable are both set.
 */
export function etcdBootstrapVariables(variables: readonly [string, string][]): [string, string][] {
  const byName = new Map(variables);
  const ordered = ETCD_BOOTSTRAP_ORDER.flatMap((key): [string, string][] => {
    const value = byName.get(key);
    return value === undefined ? [] : [[key, value]];
  });
  return [...ordered, ...variables.filter(([key]) => key !== 'ETCD_DATA_DIR' && !ETCD_BOOTSTRAP_ORDER.includes(key))];
}

/** KEY=value lines: sourceable by sh and readable as a systemd EnvironmentFile. */
export function renderEnvFile(variables: readonly [string, string][]): string {
  return `# Written by muster etcd; do not edit (it is rewritten at every boot).\n${variables.map(([key, value]) => `${key}=${shellSafe(value)}`).join('\n')}\n`;
}

/** NodeReg's systemd drop-in: the same variables as Environment= lines of etcd.service. */
export function renderDropIn(variables: readonly [string, string][]): string {
  return `# Written by muster etcd; do not edit (it is rewritten at every boot).\n[Service]\n${variables.map(([key, value]) => `Environment="${key}=${value}"`).join('\n')}\n`;
}

/** Parses an env file written by renderEnvFile (used by `muster etcd exec` and the sandbox). */
export function parseEnvFile(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, key, raw] = match as unknown as [string, string, string];
    variables[key] = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw;
  }
  return variables;
}

/** Values are URLs, names and paths; quote only when sh would otherwise split or expand them. */
function shellSafe(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./[\]-]+$/.test(value)) return value;
  if (/['\n]/.test(value)) throw new Error(`value not representable in an env file: ${JSON.stringify(value)}`);
  return `'${value}'`;
}
