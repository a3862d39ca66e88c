import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStaticEtcd } from '../test/support/etcd-process.js';
import { buildImages, runMusterEtcdContainers, startDockerd, type DockerEngine } from '../test/support/dockerd.js';
import { clusterHealthy, waitFor } from '../test/support/etcdctl.js';
import { loopbackPrefix } from '../test/support/loopback.js';
import { median, type Row } from './stats.js';

// etcd elections take 0.25-2.6 s at random (PEERS.md): a median of a few rounds.
const ROUNDS = 3;
const MiB = 1024 * 1024;

/**
 * `docker run` of three muster-etcd containers (static configs, --network host, data on tmpfs,
 * etcd's default timings) → `etcdctl endpoint health --cluster` healthy. The containers are
 * removed after each round.
 */
async function timeContainers(engine: DockerEngine, dir: string): Promise<number> {
  const start = Date.now();
  const cluster = await runMusterEtcdContainers(engine, { prefix: loopbackPrefix(), dir });
  try {
    await waitFor('the muster-etcd containers are healthy', () => clusterHealthy(cluster.endpoints), 60_000);
    return Date.now() - start;
  } finally {
    await engine.docker(['rm', '-f', '-v', ...cluster.names]);
  }
}

/** Three plain etcd processes started by hand with --initial-cluster (no muster, no containers) → healthy, polled alike. */
async function timePlainEtcd(): Promise<number> {
  const start = Date.now();
  const cluster = await startStaticEtcd({ prefix: loopbackPrefix(), size: 3 });
  try {
    await waitFor('the static cluster is healthy', () => clusterHealthy(cluster.endpoints), 60_000);
    return Date.now() - start;
  } finally {
    await cluster.stop();
  }
}

/** The images' sizes against the executable's, and container start → healthy cluster against plain etcd, on a private engine. */
export async function benchImages(): Promise<Row[]> {
  const engine = await startDockerd();
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-images-'));
  try {
    const [muster, musterEtcd] = await buildImages(engine);
    const executable = (await stat(join(import.meta.dirname, '..', 'dist', 'muster-linux-x64'))).size;
    const containers: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      containers.push(await timeContainers(engine, dir));
      plain.push(await timePlainEtcd());
    }
    return [
      { what: 'image size, muster (FROM scratch)', subject: 'muster image', baseline: 'dist/muster-linux-x64', subjectValue: (muster?.size ?? NaN) / MiB, baselineValue: executable / MiB, unit: 'MiB' },
      { what: 'image size, muster-etcd (+ etcd, etcdctl)', subject: 'muster-etcd image', baseline: 'dist/muster-linux-x64', subjectValue: (musterEtcd?.size ?? NaN) / MiB, baselineValue: executable / MiB, unit: 'MiB' },
      {
        what: `three etcd members: start → healthy (median of ${ROUNDS}, ${engine.storageDriver})`,
        subject: 'muster-etcd containers',
        baseline: 'plain etcd, static --initial-cluster',
        subjectValue: median(containers),
        baselineValue: median(plain),
        unit: 'ms',
      },
    ];
  } finally {
    await engine.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
