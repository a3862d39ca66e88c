import type { Logger } from '../../core/logger.js';
import { parseEtcdBootstrapArgs } from './flags.js';
import { compatConfig, type CompatRun } from './run.js';

/**
 * The config of etcd-bootstrap's container contract: its entrypoint ran
 * `etcd-bootstrap -o FILE $ETCD_BOOTSTRAP_FLAGS` (the variable split on whitespace by the shell,
 * no quoting) and then `exec etcd "$@"`. muster forms from the same flags; the data dir is the
 * one the container's etcd flags name, so a restart finds its data. The output file is written
 * only where -o asks for it: muster hands the environment to etcd itself.
 */
export async function execCompatConfig(bootstrapFlags: string, etcdFlags: readonly string[], logger: Logger): Promise<CompatRun> {
  const words = bootstrapFlags.split(/\s+/).filter((word) => word !== '');
  const invocation = parseEtcdBootstrapArgs(words);
  const dataDir = flagValue(etcdFlags, 'data-dir');
  const run = await compatConfig(invocation, logger, { ...process.env, ...(dataDir !== undefined ? { ETCD_DATA_DIR: dataDir } : {}) });
  const explicitOutput = words.some((word) => /^(-o|--?output-file|--?o)(=|$)/.test(word));
  return explicitOutput ? run : { ...run, config: { ...run.config, etcd: { ...run.config.etcd, env_file: null } } };
}

/** The value of an etcd flag as etcd reads it: --name value, --name=value, or one dash. */
export function flagValue(flags: readonly string[], name: string): string | undefined {
  for (let index = 0; index < flags.length; index++) {
    const flag = flags[index] as string;
    const match = new RegExp(`^--?${name}(?:=(.*))?$`).exec(flag);
    if (match) return match[1] ?? flags[index + 1];
  }
  return undefined;
}
