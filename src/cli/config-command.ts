import type { Command } from 'commander';
import { configPath, type GlobalOptions } from './context.js';

export function registerConfigCommands(program: Command, globals: () => GlobalOptions): void {
  const config = program.command('config').description('check the config file, or print its JSON Schema');
  config
    .command('check')
    .description('validate the config file: every problem is listed with its path and a hint')
    .action(async () => {
      const [{ loadConfigFile }, { configNotes }] = await Promise.all([import('../config/load.js'), import('../config/notes.js')]);
      const loaded = await loadConfigFile(configPath(globals()));
      const lines = [`${loaded.path}: OK`, `platform: ${loaded.config.platform.type}`, `root: ${loaded.config.root}`];
      for (const note of [...loaded.aliasNotes, ...configNotes(loaded.config)]) lines.push(`note: ${note}`);
      if (loaded.overrides.length > 0) lines.push(`overridden from MUSTER_*: ${loaded.overrides.join(', ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  config
    .command('schema')
    .description('print the JSON Schema of the config file (for editors: yaml-language-server)')
    .action(async () => {
      const { configJsonSchema } = await import('../config/json-schema.js');
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
