import { Option, type Command } from 'commander';
import type { GlobalOptions } from './context.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;

/**
 * -c/--config, --log-level and --debug are accepted before or after any subcommand, at any
 * depth (`muster etcd -c F promote`, `muster etcd promote -c F`), because each command declares
 * them itself. The program keeps positional options (each command parses only the arguments up
 * to its subcommand's name) rather than letting the top level scan the whole command line: that
 * scan would drop the `--` of `muster etcd exec -- <etcd flags>` and then read etcd's flags as
 * muster's.
 */
export function addGlobalOptions(command: Command): Command {
  return command
    .addOption(new Option('-c, --config <file>', 'config file (env MUSTER_CONFIG; default /etc/muster/muster.yaml)'))
    .addOption(new Option('--log-level <level>', 'log level (env MUSTER_LOG_LEVEL)').choices(LOG_LEVELS))
    .addOption(new Option('--debug', 'show stack traces and debug logs'));
}

/** Adds the global options to every command below `root` (root itself already has them). */
export function addGlobalOptionsBelow(root: Command): void {
  for (const command of root.commands) {
    addGlobalOptions(command);
    addGlobalOptionsBelow(command);
  }
}

/** The global options of a run: given at several levels, the one nearest the action command (later on the line) wins. */
export function globalOptionsOf(actionCommand: Command): GlobalOptions {
  const levels: GlobalOptions[] = [];
  for (let command: Command | null = actionCommand; command; command = command.parent) levels.unshift(command.opts<GlobalOptions>());
  return mergeGlobalOptions(levels);
}

/** Outermost level first; a later level's value replaces an earlier one's. */
export function mergeGlobalOptions(levels: readonly GlobalOptions[]): GlobalOptions {
  const merged: GlobalOptions = {};
  for (const level of levels) {
    if (level.config !== undefined) merged.config = level.config;
    if (level.logLevel !== undefined) merged.logLevel = level.logLevel;
    if (level.debug !== undefined) merged.debug = level.debug;
  }
  return merged;
}
