import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackPrefix } from '../test/support/loopback.js';
import { median, type Row } from './stats.js';

const RUNS = 9;
const executable = fileURLToPath(new URL('../dist/muster-linux-x64', import.meta.url));
const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const cliBundle = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/**
 * The single executable against the same bundle run by `node dist/main.js` and against
 * `node -e 0`, all three on `muster etcd --dry-run` of a static group (peers refusing), and its
 * size against the node binary it carries. An executable older than dist/cli.js (which
 * `npm run bench` has just built) is built again first, so that both forms run the same code.
 */
export async function benchSingleExecutable(): Promise<Row[]> {
  if (!existsSync(executable) || statSync(executable).mtimeMs < statSync(cliBundle).mtimeMs) {
    const built = spawnSync(process.execPath, ['scripts/build-sea.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('scripts/build-sea.mjs failed: the single executable cannot be measured');
  }
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-sea-'));
  const prefix = loopbackPrefix();
  const config = join(dir, 'muster.yaml');
  await writeFile(config, `root: ${dir}\nplatform:\n  type: static\n  self: n1\n  peers:\n${[1, 2, 3].map((i) => `    - { name: n${i}, ip: ${prefix}.${i} }`).join('\n')}\n`);
  const once = (command: string, args: readonly string[]): number => {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { env: { ...process.env, MUSTER_LOG_LEVEL: 'error' } });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString()}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const dryRun = ['--config', config, 'etcd', '--dry-run'];
  const sides = { bare: [process.execPath, ['-e', '0']], bundle: [process.execPath, [cli, ...dryRun]], sea: [executable, dryRun] } as const;
  const ms = { bare: [] as number[], bundle: [] as number[], sea: [] as number[] };
  // A warm-up round (the page cache), then the three in turn, so that all see the same moments
  // of the machine (a 2-core VM's speed drifts by 20% within a minute).
  for (let round = 0; round < RUNS + 1; round++) {
    for (const side of ['bare', 'bundle', 'sea'] as const) {
      const [command, args] = sides[side];
      const took = once(command, args);
      if (round > 0) ms[side].push(took);
    }
  }
  const bare = median(ms.bare);
  const bundle = median(ms.bundle);
  const sea = median(ms.sea);
  await rm(dir, { recursive: true, force: true });
  const mib = (path: string): number => statSync(path).size / 2 ** 20;
  return [
    { what: 'single executable size', subject: 'dist/muster-linux-x64', baseline: 'the node binary in it', subjectValue: mib(executable), baselineValue: mib(process.execPath), unit: 'MiB' },
    { what: '`muster etcd --dry-run` cold start (median of 9, the three alternating)', subject: 'executable', baseline: 'node dist/main.js', subjectValue: sea, baselineValue: bundle, unit: 'ms' },
    { what: '`muster etcd --dry-run` cold start (median of 9, the three alternating)', subject: 'executable', baseline: 'node -e 0', subjectValue: sea, baselineValue: bare, unit: 'ms' },
  ];
}
