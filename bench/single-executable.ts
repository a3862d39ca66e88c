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

/**
 * The single executable against the same bundle run by `node dist/main.js` and against
 * `node -e 0`, all three on `muster etcd --dry-run` of a static group (peers refusing), and its
 * size against the node binary it carries.
 */
export async function benchSingleExecutable(): Promise<Row[]> {
  if (!existsSync(executable)) spawnSync(process.execPath, ['scripts/build-sea.mjs'], { stdio: 'inherit' });
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-sea-'));
  const prefix = loopbackPrefix();
  const config = join(dir, 'muster.yaml');
  await writeFile(config, `root: ${dir}\nplatform:\n  type: static\n  self: n1\n  peers:\n${[1, 2, 3].map((i) => `    - { name: n${i}, ip: ${prefix}.${i} }`).join('\n')}\n`);
  const time = (command: string, args: string[]): number[] => {
    const ms: number[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const start = process.hrtime.bigint();
      const result = spawnSync(command, args, { env: { ...process.env, MUSTER_LOG_LEVEL: 'error' } });
      if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString()}`);
      if (i > 0) ms.push(Number(process.hrtime.bigint() - start) / 1e6); // the first run warms the page cache
    }
    return ms;
  };
  const dryRun = ['--config', config, 'etcd', '--dry-run'];
  const bare = median(time(process.execPath, ['-e', '0']));
  const bundle = median(time(process.execPath, [cli, ...dryRun]));
  const sea = median(time(executable, dryRun));
  await rm(dir, { recursive: true, force: true });
  const mib = (path: string): number => statSync(path).size / 2 ** 20;
  return [
    { what: 'single executable size', subject: 'dist/muster-linux-x64', baseline: 'the node binary in it', subjectValue: mib(executable), baselineValue: mib(process.execPath), unit: 'MiB' },
    { what: '`muster etcd --dry-run` cold start (median of 9)', subject: 'executable', baseline: 'node dist/main.js', subjectValue: sea, baselineValue: bundle, unit: 'ms' },
    { what: '`muster etcd --dry-run` cold start (median of 9)', subject: 'executable', baseline: 'node -e 0', subjectValue: sea, baselineValue: bare, unit: 'ms' },
  ];
}
