import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { MusterError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import type { ElectConfig } from '../../election/config-schema.js';
import type { Member } from '../../election/membership.js';
import { sortPeers, type Discovery, type Platform } from '../types.js';
import type { MdnsPlatformConfig } from './schema.js';

interface MembershipRecord {
  self: string;
  leader: string;
  members: Member[];
}

/**
 * Peers from an mDNS election: the members agreed on (at least `expect`, all seeing the same
 * membership) are the whole group, so the discovery is complete. The agreement is recorded: a
 * restarted member finds the same peers without a new election, which no one else would answer.
 */
export function createMdnsPlatform(config: MdnsPlatformConfig): Platform {
  const recordFile = join(config.state_dir, config.group, 'membership.json');
  return {
    type: 'mdns',
    async discover(signal?: AbortSignal): Promise<Discovery> {
      const recorded = await readRecord(recordFile);
      const membership = recorded ?? (await elect(config, signal));
      if (recorded === undefined) await writeFileAtomic(recordFile, `${JSON.stringify(membership, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 });
      const peers = sortPeers(membership.members.map((member) => ({ id: member.name, name: member.name, ip: member.ips[0] ?? '', tags: member.role === '' ? {} : { Role: member.role }, state: 'agreed' })));
      const self = peers.find((peer) => peer.name === membership.self);
      if (self === undefined) throw new MusterError(`mdns: this member (${membership.self}) is not in the agreed membership`, { code: 'MDNS_NOT_MEMBER', kind: 'unsafe', hint: `it came after the others agreed; remove ${recordFile} only if this node should start a new group` });
      return { self: { id: self.id, name: self.name, ip: self.ip, tags: self.tags }, peers, complete: true };
    },
  };
}

async function elect(config: MdnsPlatformConfig, signal: AbortSignal | undefined): Promise<MembershipRecord> {
  const logger = createLogger({ level: process.env['MUSTER_LOG_LEVEL'] ?? 'info' });
  const [{ runElection }, { readGroupSecret }] = await Promise.all([import('../../election/elect.js'), import('../../election/secret.js')]);
  const secret = await readGroupSecret(config.secret_file, (message) => logger.warn({ platform: 'mdns' }, message));
  const electConfig: ElectConfig = { ...config, linger: 0 };
  const result = await runElection({
    config: electConfig,
    root: '/',
    secret,
    action: undefined,
    logger,
    discoverOnly: true,
    progress: (line) => logger.info({ platform: 'mdns' }, line),
    ...(signal !== undefined ? { signal } : {}),
  });
  if (result.role === 'late') throw new MusterError('mdns: the group agreed on its members before this node took part', { code: 'MDNS_LATE', kind: 'unsafe', hint: 'a node that joins later needs a platform that lists it (static, dns-srv, a cloud)' });
  return { self: result.self, leader: result.leader, members: result.members };
}

async function readRecord(path: string): Promise<MembershipRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as MembershipRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MusterError(`mdns: cannot read the recorded membership ${path}`, { code: 'MDNS_RECORD', kind: 'unsafe', hint: 'an unreadable record is not "no record": fix or remove it by hand', cause: error });
  }
}
