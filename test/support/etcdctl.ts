import { runProgram } from '../../src/core/process.js';

/** The files etcdctl presents to an https cluster with client-certificate auth. */
export interface EtcdctlTls {
  cacert: string;
  cert: string;
  key: string;
}

/** Runs the real etcdctl (Debian etcd-client) with the v3 API, as a user checking a cluster would. */
export async function etcdctl(endpoints: string, args: readonly string[], tls?: EtcdctlTls): Promise<{ code: number; stdout: string; stderr: string }> {
  const tlsFlags = tls ? ['--cacert', tls.cacert, '--cert', tls.cert, '--key', tls.key] : [];
  return runProgram('etcdctl', ['--endpoints', endpoints, '--dial-timeout', '2s', '--command-timeout', '5s', ...tlsFlags, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
  });
}

/** `etcdctl endpoint health --cluster`: true when every member with client URLs is healthy. */
export async function clusterHealthy(endpoints: string, tls?: EtcdctlTls): Promise<boolean> {
  const result = await etcdctl(endpoints, ['endpoint', 'health', '--cluster'], tls);
  return result.code === 0 && !/unhealthy/.test(result.stdout + result.stderr);
}

export interface ListedMember {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

export async function memberList(endpoints: string, tls?: EtcdctlTls): Promise<ListedMember[]> {
  const result = await etcdctl(endpoints, ['member', 'list', '-w', 'json'], tls);
  if (result.code !== 0) throw new Error(`etcdctl member list failed: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout.replace(/"ID":(\d+)/g, '"ID":"$1"')) as { members?: ListedMember[] };
  return parsed.members ?? [];
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
