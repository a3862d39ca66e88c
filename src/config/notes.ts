import { awsConfigNotes } from '../platform/aws/config-notes.js';
import type { Config } from './schema.js';

/** Notes on a config that is valid but probably not what its author meant, for `muster config check`. */
export function configNotes(config: Config): string[] {
  return [...(config.platform.type === 'aws' ? awsConfigNotes(config.platform) : [])];
}
