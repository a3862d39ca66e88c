import type { Command } from 'commander';
import { configJsonSchema } from '../config/json-schema.js';
import { loadConfigFile } from '../config/load.js';
import { configNotes } from '../config/notes.js';
import { configPath, type GlobalOptions } from './context.js';

export function registerConfigCommands(program: Command, globals: () => GlobalOptions): void {
  const config = program.command('config').description('check the config file, or print its JSON Schema');
  config
    .command('check')
    .description('validate the config file: every problem is listed with its path and a hint')
    .action(async () => {
      const loaded = await loadConfigFile(configPath(globals()));
      const lines = [`${loaded.path}: OK`, `platform: ${loaded.config.platform.type}`, `root: ${loaded.config.root}`];
      for (const note of [...loaded.aliasNotes, ...configNotes(loaded.config)]) lines.push(`note: ${note}`);
      if (loaded.overrides.length > 0) lines.push(`overridden from MUSTER_*: ${loaded.overrides.join(', ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  config
    .command('schema')
    .description('print the JSON Schema of the config file (for editors: yaml-language-server)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
