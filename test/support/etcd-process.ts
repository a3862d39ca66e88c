import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForExit } from '../../src/core/process.js';
import type { StaticEtcdPki } from './static-etcd-pki.js';

export interface EtcdMember {
  name: string;
  ip: string;
  clientUrl: string;
  peerUrl: string;
}

export interface RunningEtcd {
  members: EtcdMember[];
  processes: ChildProcess[];
  dir: string;
  endpoints: string;
  stop(): Promise<void>;
}

/**
 * A hand-written static etcd cluster (no muster involved): the baseline for benchmarks and the
 * backing store for tests that need an etcd (coredns-etcd). Uses the Debian etcd on PATH.
 */
export async function startStaticEtcd(options: { prefix: string; size: number; clientPort?: number; peerPort?: number; tls?: StaticEtcdPki }): Promise<RunningEtcd> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-etcd-'));
  const clientPort = options.clientPort ?? 2379;
  const peerPort = options.peerPort ?? 2380;
  const scheme = options.tls ? 'https' : 'http';
  const members = Array.from({ length: options.size }, (_, i) => {
    const ip = `${options.prefix}.${i + 1}`;
    return { name: `m${i + 1}`, ip, clientUrl: `${scheme}://${ip}:${clientPort}`, peerUrl: `${scheme}://${ip}:${peerPort}` };
  });
  // etcd's TLS flags as an operator sets them: client-cert auth on both sides, one CA.
  const tlsArgs = (ip: string): string[] => {
    const own = options.tls?.members.get(ip);
    if (!options.tls) return [];
    if (!own) throw new Error(`no certificate for ${ip} in the static PKI`);
    const files = ['--cert-file', own.certFile, '--key-file', own.keyFile, '--trusted-ca-file', options.tls.caFile, '--client-cert-auth'];
    return [...files, '--peer-cert-file', own.certFile, '--peer-key-file', own.keyFile, '--peer-trusted-ca-file', options.tls.caFile, '--peer-client-cert-auth'];
  };
  const initialCluster = members.map((member) => `${member.name}=${member.peerUrl}`).join(',');
  const processes = members.map((member) =>
    spawn(
      'etcd',
      [
        '--name', member.name,
        '--data-dir', join(dir, member.name),
        '--listen-peer-urls', member.peerUrl,
        '--initial-advertise-peer-urls', member.peerUrl,
        '--listen-client-urls', member.clientUrl,
        '--advertise-client-urls', member.clientUrl,
        '--initial-cluster', initialCluster,
        '--initial-cluster-token', `static-${options.prefix}`,
        '--initial-cluster-state', 'new',
        ...tlsArgs(member.ip),
      ],
      { stdio: 'ignore' },
    ),
  );
  const running: RunningEtcd = {
    members,
    processes,
    dir,
    endpoints: members.map((member) => member.clientUrl).join(','),
    stop: async () => {
      await stopProcesses(processes);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return running;
}

export async function stopProcesses(processes: readonly ChildProcess[]): Promise<void> {
  for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await Promise.all(processes.map((child) => (child.pid === undefined ? Promise.resolve(true) : waitForExit(child.pid, 15_000))));
}
