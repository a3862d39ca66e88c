import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticEtcd } from '../test/support/etcd-process.js';
import { clusterHealthy, etcdctl, memberList, waitFor } from '../test/support/etcdctl.js';
import { loopbackPrefix } from '../test/support/loopback.js';
import { median, type Row } from './stats.js';

const RUNS = 7;
const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function timeRun(args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env: { ...process.env, MUSTER_LOG_LEVEL: 'error' }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * What muster adds to a boot: `muster etcd` from process start to the env file written, for each
 * decision, against `node -e 0` in the same run. create: three peers that all refuse; join: a
 * healthy three-member cluster, this node added as a learner (removed again between runs);
 * restart: a member whose data dir holds the cluster, its peers up.
 */
export async function benchBootLatency(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-latency-'));
  const prefix = loopbackPrefix();
  const cluster = await startStaticEtcd({ prefix, size: 3 });
  try {
    await waitFor('static cluster healthy', () => clusterHealthy(cluster.endpoints), 60_000);
    const config = async (name: string, body: string): Promise<string> => {
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, body);
      return file;
    };
    const peers = (ips: readonly string[]): string => ips.map((ip, i) => `    - { name: ${i === 3 ? 'joiner' : `m${i + 1}`}, ip: ${ip} }`).join('\n');
    const nobody = loopbackPrefix();
    const create = await config('create', `root: ${join(dir, 'create')}\nplatform:\n  type: static\n  self: m1\n  peers:\n${peers([1, 2, 3].map((n) => `${nobody}.${n}`))}\netcd: { drop_in_file: null }\n`);
    // A new address each round: etcd answers "member not found" to an add of a peer URL whose
    // learner was removed a moment before.
    const joiner = (round: number): Promise<string> =>
      config(`join-${round}`, `root: ${join(dir, 'join')}\nplatform:\n  type: static\n  self: joiner\n  peers:\n${peers([...cluster.members.map((member) => member.ip), `${prefix}.${10 + round}`])}\netcd: { drop_in_file: null }\n`);
    // m1 itself, its data dir the static cluster's: muster reads it and decides "restart".
    const restart = await config('restart', `root: /\nplatform:\n  type: static\n  self: m1\n  peers:\n${peers(cluster.members.map((member) => member.ip))}\netcd: { drop_in_file: null, env_file: ${join(dir, 'restart.env')}, data_dir: ${join(cluster.dir, 'm1')} }\n`);

    const bare: number[] = [];
    const times = { create: [] as number[], join: [] as number[], restart: [] as number[] };
    for (let run = 0; run < RUNS + 1; run++) {
      const keep = run > 0; // the first round warms the page cache
      const b = timeRun(['-e', '0']);
      const c = timeRun([cli, '--config', create, 'etcd']);
      const j = timeRun([cli, '--config', await joiner(run), 'etcd']);
      const r = timeRun([cli, '--config', restart, 'etcd']);
      if (keep) {
        bare.push(b);
        times.create.push(c);
        times.join.push(j);
        times.restart.push(r);
      }
      await rm(join(dir, 'create'), { recursive: true, force: true });
      await rm(join(dir, 'join'), { recursive: true, force: true });
      const learner = (await memberList(cluster.endpoints)).find((member) => member.isLearner === true);
      if (learner) await etcdctl(cluster.endpoints, ['member', 'remove', BigInt(learner.ID).toString(16)]);
    }
    const rows = (['create', 'join', 'restart'] as const).map((decision) => ({
      what: `\`muster etcd\` (${decision}): process start → env file written (median of ${RUNS})`,
      subject: decision,
      baseline: 'node -e 0',
      subjectValue: median(times[decision]),
      baselineValue: median(bare),
      unit: 'ms',
      target: '≤ 2×',
    }));
    return rows;
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
