import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startStaticEtcd } from '../test/support/etcd-process.js';
import { clusterHealthy, etcdctl, memberList, waitFor } from '../test/support/etcdctl.js';
import { loopbackPrefix } from '../test/support/loopback.js';
import { median, type Row } from './stats.js';

const RUNS = 7;
const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const etcd3Bundle = fileURLToPath(new URL('../dist/vendor/etcd3.js', import.meta.url));

/** bench/hand-written-join.ts as one CommonJS file, so that it starts as any small Node.js script does. */
async function buildHandWrittenJoin(dir: string): Promise<string> {
  const outfile = join(dir, 'hand-written-join.cjs');
  await build({ entryPoints: [fileURLToPath(new URL('./hand-written-join.ts', import.meta.url))], outfile, bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' });
  return outfile;
}

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
 * restart: a member whose data dir holds the cluster, its peers up. Beside the join, the same
 * join written by hand on the same client (bench/hand-written-join.ts): with muster's cached
 * etcd3 bundle, the floor of any join on this client; with require('etcd3'), a script's cost.
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

    const handWritten = await buildHandWrittenJoin(dir);
    const etcd3Package = createRequire(import.meta.url).resolve('etcd3');
    // etcd keeps one learner at a time: each join's learner goes before the next join.
    const removeLearner = async (): Promise<void> => {
      const learner = (await memberList(cluster.endpoints)).find((member) => member.isLearner === true);
      if (learner) await etcdctl(cluster.endpoints, ['member', 'remove', BigInt(learner.ID).toString(16)]);
    };
    const joinByHand = async (mode: 'cached' | 'plain', address: string): Promise<number> => {
      const ms = timeRun([handWritten, mode, mode === 'cached' ? etcd3Bundle : etcd3Package, cluster.endpoints, `http://${address}:2380`, join(dir, 'hand-written.env')]);
      await removeLearner();
      return ms;
    };

    const bare: number[] = [];
    const times = { create: [] as number[], join: [] as number[], restart: [] as number[], cached: [] as number[], plain: [] as number[] };
    for (let run = 0; run < RUNS + 1; run++) {
      const keep = run > 0; // the first round warms the page cache
      const b = timeRun(['-e', '0']);
      const c = timeRun([cli, '--config', create, 'etcd']);
      const j = timeRun([cli, '--config', await joiner(run), 'etcd']);
      await removeLearner();
      const r = timeRun([cli, '--config', restart, 'etcd']);
      const hc = await joinByHand('cached', `${prefix}.${40 + run}`);
      const hp = await joinByHand('plain', `${prefix}.${70 + run}`);
      if (keep) {
        bare.push(b);
        times.create.push(c);
        times.join.push(j);
        times.restart.push(r);
        times.cached.push(hc);
        times.plain.push(hp);
      }
      await rm(join(dir, 'create'), { recursive: true, force: true });
      await rm(join(dir, 'join'), { recursive: true, force: true });
    }
    const rows: Row[] = (['create', 'join', 'restart'] as const).map((decision) => ({
      what: `\`muster etcd\` (${decision}): process start → env file written (median of ${RUNS})`,
      subject: decision,
      baseline: 'node -e 0',
      subjectValue: median(times[decision]),
      baselineValue: median(bare),
      unit: 'ms',
      target: '≤ 2×',
    }));
    rows.push(
      {
        what: `  the floor under join's target: the join written by hand (lock, member list, learner add, release, env file) on muster's cached etcd3 bundle (median of ${RUNS})`,
        subject: 'by hand, cached',
        baseline: 'node -e 0',
        subjectValue: median(times.cached),
        baselineValue: median(bare),
        unit: 'ms',
      },
      {
        what: '  `muster etcd` (join) against that hand-written join: what config, discovery, probes, sightings and the log add',
        subject: 'join',
        baseline: 'by hand, cached',
        subjectValue: median(times.join),
        baselineValue: median(times.cached),
        unit: 'ms',
      },
      {
        what: "  `muster etcd` (join) against the hand-written join as a script would load the client: require('etcd3')",
        subject: 'join',
        baseline: 'by hand, require',
        subjectValue: median(times.join),
        baselineValue: median(times.plain),
        unit: 'ms',
      },
    );
    return rows;
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
