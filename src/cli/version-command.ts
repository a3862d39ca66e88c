import type { Command } from 'commander';
import { buildInfo } from './version.js';

export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .description('print muster\'s version, the commit it was built from, and how it runs')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const info = { ...buildInfo(), node: process.version };
      process.stdout.write(options.json ? `${JSON.stringify(info)}\n` : `muster ${info.version} (commit ${info.commit}, ${info.form}, node ${info.node}${info.code_cache === undefined ? '' : `, code cache ${info.code_cache}`})\n`);
    });
}
