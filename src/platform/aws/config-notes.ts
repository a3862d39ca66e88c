import type { AwsPlatformConfig } from './schema.js';

/**
 * What `muster config check` should point out about a valid aws platform config: settings that
 * are allowed but probably not what the user wants. Pure, so the command only prints.
 */
export function awsConfigNotes(config: AwsPlatformConfig): string[] {
  const notes: string[] = [];
  if (config.mode === 'tag' && config.expected_peers === undefined) {
    notes.push(
      "platform.mode tag without platform.expected_peers: these nodes never create a new etcd cluster (they only join one that exists) and never remove a stale member; set platform.expected_peers to the group's size",
    );
  }
  return notes;
}
