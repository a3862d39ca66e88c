import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackPrefix } from '../test/support/loopback.js';
import { median, printRows, type Row } from './stats.js';

const RUNS = 9;
const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const probe = fileURLToPath(new URL('./rss-probe.mjs', import.meta.url));

/**
 * (c) `muster etcd --dry-run` from a cold start against `node -e 0`: discovery (static), probes
 * of three peers that refuse, decision, plan printed. Target ≤ 2×. Measured only on a build whose
 * code cache this Node.js uses (`muster version`), or the number would be a misbuilt dist's.
 */
export async function benchColdStart(): Promise<Row[]> {
  const version = spawnSync(process.execPath, [cli, 'version', '--json'], { encoding: 'utf8' });
  const codeCache = (JSON.parse(version.stdout || '{}') as { code_cache?: string }).code_cache;
  if (codeCache !== 'used') throw new Error(`dist/ runs without its code cache (muster version: ${version.stdout.trim() || version.stderr.trim()}): rebuild it with npm run build`);
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-cold-'));
  const prefix = loopbackPrefix();
  const config = join(dir, 'muster.yaml');
  await writeFile(
    config,
    `root: ${dir}\nplatform:\n  type: static\n  self: n1\n  peers:\n${[1, 2, 3].map((i) => `    - { name: n${i}, ip: ${prefix}.${i} }`).join('\n')}\n`,
  );
  const rssFile = join(dir, 'rss');
  const bareArgs = ['-e', '0'];
  const musterArgs = [cli, '--config', config, 'etcd', '--dry-run'];
  const run = (args: string[], rssTo: string): number => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['--import', probe, ...args], { env: { ...process.env, MUSTER_BENCH_RSS_FILE: rssTo, MUSTER_LOG_LEVEL: 'error' } });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr.toString()}`);
    return ms;
  };
  const rssOf = async (file: string): Promise<number[]> => (await readFile(file, 'utf8')).trim().split('\n').map(Number);
  // A warm-up round, then the two sides alternately, so that both see the same moments of the
  // machine (a 2-core VM's speed drifts by 20% within a minute).
  run(bareArgs, `${rssFile}.warm`);
  run(musterArgs, `${rssFile}.warm`);
  const bare = { ms: [] as number[] };
  const muster = { ms: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    bare.ms.push(run(bareArgs, `${rssFile}.bare`));
    muster.ms.push(run(musterArgs, `${rssFile}.muster`));
  }
  const bareRss = await rssOf(`${rssFile}.bare`);
  const musterRss = await rssOf(`${rssFile}.muster`);
  await rm(dir, { recursive: true, force: true });
  return [
    { what: '`muster etcd --dry-run` cold start (wall, median of 9, runs alternating with node -e 0)', subject: 'muster', baseline: 'node -e 0', subjectValue: median(muster.ms), baselineValue: median(bare.ms), unit: 'ms', target: '≤ 2×' },
    { what: 'peak RSS', subject: 'muster', baseline: 'node -e 0', subjectValue: median(musterRss) / 1024, baselineValue: median(bareRss) / 1024, unit: 'MiB' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) printRows('cold start', await benchColdStart());
