import { resolve } from 'node:path';
import type { EtcdBootstrapInvocation } from './flags.js';

/** A muster config document (before validation) for an etcd-bootstrap command line. */
export interface CompatConfig {
  document: Record<string, unknown>;
  /** Variables the platform reads that the flags set (a password never goes into the config). */
  environment: Record<string, string>;
  /** What the user should know about the mapping: logged as warnings. */
  notes: string[];
  /** Route 53 registration: the hosted zone's name must be looked up from its ID. */
  zoneId?: string;
}

/**
 * Maps etcd-bootstrap's flags onto muster's config one-to-one (README: "etcd-bootstrap"). Pure.
 * What muster does differently is said in `notes`: TLS to vCenter is verified, a new cluster
 * needs the group's size where the platform cannot tell it, and Route 53 records carry ownership.
 */
export function etcdBootstrapConfig(invocation: EtcdBootstrapInvocation, env: NodeJS.ProcessEnv, cwd: string): CompatConfig {
  const notes: string[] = [];
  const environment: Record<string, string> = {};
  const etcd: Record<string, unknown> = {
    // etcd-bootstrap took a relative -o; muster's config wants absolute paths.
    env_file: resolve(cwd, invocation.output),
    env_style: 'etcd-bootstrap',
    drop_in_file: null,
    // etcd-bootstrap never looked at the data dir; muster does (restart, a wiped member), so it
    // reads where etcd keeps it the way etcd does.
    ...(env['ETCD_DATA_DIR'] ? { data_dir: resolve(cwd, env['ETCD_DATA_DIR']) } : {}),
  };
  if (invocation.enableTls) {
    const { tls } = invocation;
    etcd['tls'] = {
      files: {
        ca: resolve(cwd, tls.ca ?? ''),
        cert: resolve(cwd, tls.cert ?? ''),
        key: resolve(cwd, tls.key ?? ''),
        ...(tls.peerCa !== undefined ? { peer_ca: resolve(cwd, tls.peerCa) } : {}),
        ...(tls.peerCert !== undefined ? { peer_cert: resolve(cwd, tls.peerCert) } : {}),
        ...(tls.peerKey !== undefined ? { peer_key: resolve(cwd, tls.peerKey) } : {}),
      },
    };
  }
  const document: Record<string, unknown> = { platform: platformFor(invocation, env, environment, notes), etcd };
  let zoneId: string | undefined;
  if (invocation.cloud === 'aws' && invocation.aws.registration === 'route53') {
    zoneId = invocation.aws.zoneId;
    document['dns'] = {
      // Filled in by the command from GetHostedZone.
      zone: '',
      ttl: 300,
      policy: 'upsert-only',
      records: { node: false, members: invocation.aws.hostname },
      provider: { type: 'route53', zone_id: zoneId },
    };
    notes.push(
      `Route 53: ${invocation.aws.hostname ?? ''}.<zone> gets every member's address with TTL 300 as etcd-bootstrap wrote it, plus muster's ownership TXT record; a record set made by etcd-bootstrap is not adopted (set MUSTER_DNS__TAKE_OVER=true once to adopt it)`,
    );
  }
  return { document, environment, notes, ...(zoneId !== undefined ? { zoneId } : {}) };
}

function platformFor(invocation: EtcdBootstrapInvocation, env: NodeJS.ProcessEnv, environment: Record<string, string>, notes: string[]): Record<string, unknown> {
  const expected = invocation.expectedPeers !== undefined ? { expected_peers: invocation.expectedPeers } : {};
  if (invocation.cloud === 'aws') {
    if (invocation.aws.lookup === 'srv') {
      if (invocation.expectedPeers === undefined) notes.push(sizeNote('the SRV records'));
      return { type: 'dns-srv', domain: invocation.aws.srvDomain, service: invocation.aws.srvService, ...expected };
    }
    return { type: 'aws', mode: 'asg' };
  }
  const { vmware } = invocation;
  // The vmware image sourced VMWARE_CREDENTIALS, which defines these two.
  const username = vmware.username ?? env['VMWARE_USERNAME'];
  const password = vmware.password ?? env['VMWARE_PASSWORD'];
  if (password !== undefined && env['VSPHERE_PASSWORD'] === undefined) environment['VSPHERE_PASSWORD'] = password;
  if (vmware.password !== undefined) notes.push('the vCenter password on the command line is visible to every user in ps: put it in $VSPHERE_PASSWORD instead');
  if (vmware.insecure === undefined && vmware.caFile === undefined && invocation.syntax === 'v1') {
    notes.push("etcd-bootstrap v1 skipped TLS verification of vCenter unless told otherwise; muster verifies it: add -vmware-ca-file FILE (or -vmware-insecure=true to keep v1's behaviour, which lets anyone on the path choose this node's peers)");
  }
  if (invocation.expectedPeers === undefined) notes.push(sizeNote('vCenter'));
  return {
    type: 'vsphere',
    host: vmware.host,
    ...(vmware.port !== undefined ? { port: vmware.port } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(vmware.caFile !== undefined ? { ca_file: resolve(vmware.caFile) } : {}),
    ...(vmware.insecure === true ? { insecure: true } : {}),
    ...(vmware.attempts !== undefined ? { attempts: Math.max(1, vmware.attempts) } : {}),
    ...(vmware.vmName !== undefined ? { vm_name: vmware.vmName } : {}),
    environment: vmware.environment,
    role: vmware.role,
    ...expected,
  };
}

function sizeNote(source: string): string {
  return `${source} cannot tell muster how big the group is: without --expected-peers N (or MUSTER_PLATFORM__EXPECTED_PEERS) these nodes join an existing cluster but never create one (etcd-bootstrap created one from whichever members it saw, which splits a group that boots together)`;
}
