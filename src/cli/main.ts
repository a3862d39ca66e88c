#!/usr/bin/env node
import { Command } from 'commander';
import { registerAgentCommands } from './agent-command.js';
import { registerBootCommand, registerSwarmCommand } from './boot-command.js';
import { registerCertsCommands } from './certs-command.js';
import { registerConfigCommands } from './config-command.js';
import type { GlobalOptions } from './context.js';
import { exitOnTerminationSignalsAsPid1 } from '../core/signals.js';
import { reportError } from './errors.js';
import { registerEtcdBootstrapCommand } from './etcd-bootstrap-command.js';
import { registerEtcdCommands } from './etcd-command.js';
import { addGlobalOptions, addGlobalOptionsBelow, globalOptionsOf } from './global-options.js';
import { registerElectCommand } from './elect-command.js';
import { registerKubeDnsCommand } from './kube-dns-command.js';
import { registerLocalCommands } from './local-command.js';
import { registerRenderCommand } from './render-command.js';
import { registerVersionCommand } from './version-command.js';
import { musterVersion } from './version.js';

exitOnTerminationSignalsAsPid1();

// Settings made here, before any subcommand exists, are inherited by every subcommand.
const program = addGlobalOptions(
  new Command('muster')
    .description('Turns freshly booted machines into a working cluster: peers, names, DNS, certificates, etcd.')
    .version(musterVersion())
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions()
    // commander's own exits (usage errors, --help, --version) are thrown, so that reportError
    // gives every usage error the same exit code (64) instead of commander's 1.
    .exitOverride(),
);

let resolved: GlobalOptions = {};
program.hook('preAction', (_hooked, actionCommand) => {
  resolved = globalOptionsOf(actionCommand);
});
const globals = (): GlobalOptions => resolved;

registerBootCommand(program, globals);
registerSwarmCommand(program, globals);
registerConfigCommands(program, globals);
registerCertsCommands(program, globals);
registerEtcdCommands(program, globals);
registerLocalCommands(program, globals);
registerRenderCommand(program);
registerElectCommand(program, globals);
registerAgentCommands(program, globals);
registerKubeDnsCommand(program, globals);
registerVersionCommand(program);
addGlobalOptionsBelow(program);
registerEtcdBootstrapCommand(program, globals);

// No top-level await: the single executable runs this bundle as CommonJS.
program.parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = reportError(error, resolved.debug === true);
});
