#!/usr/bin/env node
import { Command } from 'commander';
import { registerBootCommand } from './boot-command.js';
import { registerCertsCommands } from './certs-command.js';
import { registerConfigCommands } from './config-command.js';
import type { GlobalOptions } from './context.js';
import { reportError } from './errors.js';
import { registerEtcdCommands } from './etcd-command.js';
import { registerLocalCommands } from './local-command.js';

import { musterVersion } from './version.js';

const program = new Command('muster')
  .description('Turns freshly booted machines into a working cluster: peers, names, DNS, certificates, etcd.')
  .version(musterVersion())
  .option('-c, --config <file>', 'config file (env MUSTER_CONFIG; default /etc/muster/muster.yaml)')
  .option('--log-level <level>', 'trace, debug, info, warn, error (env MUSTER_LOG_LEVEL)')
  .option('--debug', 'show stack traces and debug logs')
  .showHelpAfterError('(run with --help for usage)')
  .enablePositionalOptions();

const globals = (): GlobalOptions => program.opts<GlobalOptions>();

registerBootCommand(program, globals);
registerConfigCommands(program, globals);
registerCertsCommands(program, globals);
registerEtcdCommands(program, globals);
registerLocalCommands(program, globals);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error, globals().debug === true);
}
