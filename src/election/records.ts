import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { underRoot } from '../core/root-path.js';
import type { Member } from './membership.js';

export interface IntentRecord {
  membership: string;
  members: Member[];
  leader: string;
  started: string;
}

export interface DoneRecord extends IntentRecord {
  /** This member's announced name. */
  self: string;
  result: number;
  finished: string;
  /** This member led (it ran the action) or followed (it learned the result). */
  role: 'leader' | 'follower' | 'late';
}

/**
 * The election's records under root, one directory per group, each file written atomically and
 * fsynced: `identity.json` (the random tie-break, stable across restarts), `intent.json` before
 * the action starts, `done.json` once it finished (or, on a follower, once the leader said so).
 * A done record means the election is over for this member: a reboot never reruns it.
 */
export class ElectionRecords {
  private readonly dir: string;

  constructor(root: string, stateDir: string, group: string) {
    this.dir = underRoot(root, join(stateDir, group));
  }

  get path(): string {
    return this.dir;
  }

  async tiebreak(): Promise<string> {
    const existing = await this.read<{ tiebreak: string }>('identity.json');
    if (existing !== undefined && /^[0-9a-f]{16}$/.test(existing.tiebreak)) return existing.tiebreak;
    const tiebreak = randomBytes(8).toString('hex');
    await this.write('identity.json', { tiebreak });
    return tiebreak;
  }

  intent(): Promise<IntentRecord | undefined> {
    return this.read('intent.json');
  }

  done(): Promise<DoneRecord | undefined> {
    return this.read('done.json');
  }

  async recordIntent(intent: IntentRecord): Promise<void> {
    await this.write('intent.json', intent);
  }

  async recordDone(done: DoneRecord): Promise<void> {
    await this.write('done.json', done);
  }

  private async read<T>(name: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, name), 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error; // an unreadable record is not "no record": the action could run twice
    }
  }

  private async write(name: string, value: unknown): Promise<void> {
    await writeFileAtomic(join(this.dir, name), `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 });
  }
}
