import { DEFAULT_CONFIG_PATH } from '../config/default-path.js';
import type { LoadedConfig } from '../config/load.js';
import { createLogger, type Logger } from '../core/logger.js';

export interface GlobalOptions {
  config?: string;
  logLevel?: string;
  debug?: boolean;
}

export function configPath(options: GlobalOptions): string {
  return options.config ?? process.env['MUSTER_CONFIG'] ?? DEFAULT_CONFIG_PATH;
}

export function loggerFor(options: GlobalOptions): Logger {
  return createLogger({ level: options.logLevel ?? (options.debug ? 'debug' : undefined) ?? process.env['MUSTER_LOG_LEVEL'] ?? 'info' });
}

/** Loads the config and logs which seed keys and MUSTER_* variables shaped it. */
export async function loadForCommand(options: GlobalOptions, logger: Logger): Promise<LoadedConfig> {
  // Loaded here, not at start-up: `muster version` and `--help` need no YAML or schema.
  const { loadConfigFile } = await import('../config/load.js');
  const loaded = await loadConfigFile(configPath(options));
  for (const note of loaded.aliasNotes) logger.warn({ config: loaded.path }, note);
  if (loaded.overrides.length > 0) logger.info({ overrides: loaded.overrides }, 'config overridden from MUSTER_* environment');
  return loaded;
}
