import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type Row } from './stats.js';

const RUNS = 9;
const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Boot time the units step adds for 10 units (first boot: every file written; then a boot that writes nothing), against a boot of the guard alone. */
export async function benchUnits(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-units-'));
  const platform = 'platform: { type: static, self: w1, peers: [{ name: w1, ip: 10.0.0.21 }] }\n';
  const units = Array.from({ length: 10 }, (_, i) => `    - { name: unit-${i}.service, content: "[Service]\\nExecStart=/bin/true\\n" }`).join('\n');
  const withUnits = join(dir, 'units.yaml');
  const guardOnly = join(dir, 'guard.yaml');
  await writeFile(withUnits, `root: ${join(dir, 'root')}\n${platform}boot: { steps: [units] }\nunits:\n  role: worker\n  list:\n${units}\n`);
  await writeFile(guardOnly, `root: ${join(dir, 'root')}\n${platform}boot: { steps: [guard] }\n`);
  const time = (config: string, fresh: boolean): number => {
    if (fresh) rmSync(join(dir, 'root'), { recursive: true, force: true });
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [cli, '--config', config, 'boot'], { env: { ...process.env, MUSTER_LOG_LEVEL: 'error' } });
    if (result.status !== 0) throw new Error(`muster boot failed: ${result.stderr.toString()}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const first: number[] = [];
  const again: number[] = [];
  const guard: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const f = time(withUnits, true);
    const a = time(withUnits, false);
    const g = time(guardOnly, false);
    if (run > 0) {
      first.push(f);
      again.push(a);
      guard.push(g);
    }
  }
  await rm(dir, { recursive: true, force: true });
  return [
    { what: `\`muster boot\` with 10 units, first boot (21 files written) (median of ${RUNS})`, subject: 'units', baseline: 'a boot of the guard alone', subjectValue: median(first), baselineValue: median(guard), unit: 'ms' },
    { what: `\`muster boot\` with 10 units, next boot (nothing written) (median of ${RUNS})`, subject: 'units', baseline: 'a boot of the guard alone', subjectValue: median(again), baselineValue: median(guard), unit: 'ms' },
  ];
}
