import type { Config } from '../config/schema.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { MusterError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { underRoot } from '../core/root-path.js';
import type { EtcdProxyConfig } from './config-schema.js';
import { commonNameOf } from '../pki/certificate-info.js';
import { renderEnvFile } from './env.js';
import { etcdTlsFiles, loadEtcdTls } from './tls.js';
import { isStarted, type Member } from './types.js';

export interface ProxyReport {
  mode: 'gateway' | 'grpc-proxy';
  clusterId: string;
  /** The members' client URLs the proxy forwards to. */
  endpoints: string[];
  /** `etcd <args>`: what contrib/systemd/muster-etcd-proxy.service runs. */
  args: string[];
  changes: string[];
}

/**
 * The arguments of `etcd gateway start` (a TCP proxy: TLS passes through to the members) or
 * `etcd grpc-proxy start` (it speaks to the members itself, with this node's client certificate
 * when they are https). Pure.
 */
export function proxyArgs(mode: 'gateway' | 'grpc-proxy', members: readonly string[], proxy: Pick<EtcdProxyConfig, 'listen'>, tls?: { cert: string; key: string; ca: string }): string[] {
  const hosts = members.map((url) => new URL(url).host).join(',');
  if (mode === 'gateway') return ['gateway', 'start', `--endpoints=${hosts}`, `--listen-addr=${proxy.listen}`];
  return ['grpc-proxy', 'start', `--endpoints=${hosts}`, `--listen-addr=${proxy.listen}`, ...(tls ? [`--cert=${tls.cert}`, `--key=${tls.key}`, `--cacert=${tls.ca}`] : [])];
}

/** Started voters' client URLs, sorted: what the proxy forwards to (a learner serves no reads). */
export function proxyTargets(members: readonly Member[]): string[] {
  return [...new Set(members.filter((member) => isStarted(member) && !member.isLearner).flatMap((member) => member.clientURLs))].sort();
}

/**
 * `muster etcd` (and boot's etcd step) on a worker: read the member list through the configured
 * endpoints, at every boot (members come and go), and write the proxy's arguments. A member list
 * that cannot be read is an error naming the endpoints, never an empty proxy.
 */
export async function configureProxy(config: Config, logger: Logger, dryRun: boolean): Promise<ProxyReport> {
  const mode = config.etcd.mode;
  const proxy = config.etcd.proxy;
  if (mode === 'member' || proxy === undefined) throw new MusterError('etcd: configureProxy is for etcd.mode gateway or grpc-proxy', { code: 'INTERNAL' });
  const tls = await loadEtcdTls(config);
  const { ClusterClient } = await import('./cluster-client.js');
  const client = new ClusterClient({ endpoints: proxy.endpoints, callTimeoutMs: Math.max(2000, config.etcd.probe_timeout), ...(tls.client ? { tls: tls.client } : {}) });
  let listed: { clusterId: string; members: Member[] };
  try {
    listed = await client.memberList();
  } finally {
    client.close();
  }
  const endpoints = proxyTargets(listed.members);
  if (endpoints.length === 0) {
    throw new MusterError(`etcd: cluster ${listed.clusterId} (asked through ${proxy.endpoints.join(', ')}) has no started voting member for the ${mode} to forward to`, {
      code: 'ETCD_PROXY_NO_MEMBERS',
      kind: 'unavailable',
      retryable: true,
      hint: 'the members may still be forming; muster boot is restarted by its unit after exit 69',
    });
  }
  const files = etcdTlsFiles(config).client;
  if (mode === 'grpc-proxy' && tls.client) {
    // etcd's grpc-proxy refuses to start with a client certificate that has a CN ("cert has non
    // empty Common Name"): the CN would be taken for an etcd user.
    const cn = commonNameOf(tls.client.cert.toString('utf8'));
    if (cn !== undefined) {
      throw new MusterError(`etcd: the grpc-proxy's client certificate ${files?.cert ?? ''} has a Common Name (CN=${cn}), which etcd grpc-proxy refuses`, {
        code: 'ETCD_PROXY_CERT_CN',
        kind: 'config',
        hint: "issue it one without: pki.extra: [{ name: etcd-proxy, usages: [client], common_name: '' }] and etcd.tls.certificate: etcd-proxy",
      });
    }
  }
  const args = proxyArgs(mode, endpoints, proxy, mode === 'grpc-proxy' ? files : undefined);
  const target = underRoot(config.root, proxy.args_file);
  const content = renderEnvFile([['MUSTER_ETCD_PROXY_ARGS', args.join(' ')]]);
  const changes: string[] = [];
  if (dryRun) changes.push(`would write ${target}`);
  else if (await writeFileAtomic(target, content, { mode: 0o644 })) changes.push(`wrote ${target}`);
  logger.info({ mode, endpoints }, `etcd ${mode} pointed at the members`);
  return { mode, clusterId: listed.clusterId, endpoints, args, changes };
}
