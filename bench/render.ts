import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { median, type Row } from './stats.js';

const RUNS = 9;
const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const MODELS = [
  { model: 'examples/swarm/cluster.yaml', roles: ['manager', 'worker'] },
  { model: 'examples/etcd/cluster.yaml', roles: ['member'] },
];

/** `muster render` of the example models: its time against `node -e 0`, and its bytes (raw and gzipped) against EC2's 16 KiB. */
export function benchRender(): Row[] {
  const time = (args: readonly string[]): { ms: number; stdout: Buffer } => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args);
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr.toString()}`);
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, stdout: result.stdout };
  };
  const node: number[] = [];
  for (let run = 0; run <= RUNS; run++) if (run > 0) node.push(time(['-e', '0']).ms);
  const rows: Row[] = [];
  for (const { model, roles } of MODELS) {
    for (const role of roles) {
      for (const format of ['cloud-config', 'ignition']) {
        const samples: number[] = [];
        let output: Buffer = Buffer.alloc(0);
        for (let run = 0; run <= RUNS; run++) {
          const result = time([cli, 'render', '--cluster', model, '--role', role, '--format', format]);
          if (run > 0) samples.push(result.ms);
          output = result.stdout;
        }
        const name = `${model.split('/')[1] ?? model} ${role} ${format}`;
        rows.push({ what: `render ${name} (median of ${RUNS})`, subject: 'render', baseline: 'node -e 0', subjectValue: median(samples), baselineValue: median(node), unit: 'ms' });
        rows.push({ what: `${name}: bytes as text`, subject: 'output', baseline: 'EC2 budget', subjectValue: output.length, baselineValue: 16384, unit: 'bytes', target: '≤ 1×' });
        rows.push({ what: `${name}: bytes gzipped`, subject: 'output', baseline: 'EC2 budget', subjectValue: gzipSync(output, { level: 9 }).length, baselineValue: 16384, unit: 'bytes' });
      }
    }
  }
  return rows;
}
