import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../core/errors.js';
import type { LocalData } from './types.js';
import { readWalIdentity } from './wal-metadata.js';

/** Which cluster, if any, the data dir belongs to; read from its write-ahead log. */
export async function inspectDataDir(dataDir: string): Promise<LocalData> {
  let entries: string[];
  try {
    entries = await readdir(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'empty' };
    return { kind: 'unreadable', detail: describeError(error) };
  }
  if (!entries.includes('member')) {
    return entries.length === 0 ? { kind: 'empty' } : { kind: 'unreadable', detail: `${dataDir} holds files but no member/ directory: ${entries.slice(0, 5).join(', ')}` };
  }
  try {
    const identity = await readWalIdentity(dataDir);
    if (!identity) return { kind: 'unreadable', detail: `${join(dataDir, 'member', 'wal')} has no readable WAL metadata` };
    return { kind: 'present', clusterId: identity.clusterId, memberId: identity.memberId };
  } catch (error) {
    return { kind: 'unreadable', detail: describeError(error) };
  }
}

/**
 * Moves a data dir of another cluster out of the way instead of deleting it: nothing is lost,
 * and the operator can still recover from it. Returns where it went.
 */
export async function setAsideDataDir(dataDir: string, now: Date = new Date()): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const target = `${dataDir}.set-aside-${stamp}`;
  await rename(dataDir, target);
  return target;
}
