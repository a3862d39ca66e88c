/**
 * The zone-file provider: the zone lives in one RFC 1035 master file that muster rewrites
 * atomically (temp file, fsync, rename), for any server that loads zone files. Each apply reads
 * the file again, so records a person added by hand since the last run are kept.
 */
import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { writeFileAtomic } from '../../../core/atomic-write.js';
import { MusterError } from '../../../core/errors.js';
import { assertCanonical, canonicalName, canonicalRecordSet, canonicalZone, describeRecordSet, recordKey, sameRecordSet, sortRecordSets } from '../../record.js';
import type { ApplyResult, DnsProvider, RecordChanges, RecordSet } from '../../types.js';
import { zoneChanged } from '../../zone-changed.js';
import { formatZone } from './format.js';
import { parseZoneFile, type ZoneEntry } from './parse.js';
import { readZone, type Soa, type ZoneContent } from './records.js';
import type { ZoneFileConfig } from './schema.js';
import { nextSerial } from './serial.js';

export interface ZoneFileProviderOptions {
  /** For tests: the date used for SOA serials. */
  now?: () => Date;
}

const SOA_TIMERS = { refresh: 3600, retry: 600, expire: 1_209_600, minimum: 60 };

/** `config.path` is the resolved path (root already applied); `config.zone` is dns.zone. */
export function createZoneFileProvider(config: ZoneFileConfig & { zone: string }, options: ZoneFileProviderOptions = {}): DnsProvider {
  const zone = canonicalZone(config.zone);
  const now = options.now ?? (() => new Date());
  const file = config.path;

  async function load(): Promise<ZoneContent | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new MusterError(`zone-file DNS provider: cannot read ${file}: ${(error as Error).message}`, {
        code: 'DNS_ZONE_FILE_UNREADABLE',
        kind: 'unavailable',
        hint: 'check the path and its permissions',
        cause: error,
      });
    }
    const content = readZone(parseZoneFile(text, zone, file), zone, file);
    if (!content.soa) {
      throw new MusterError(`zone-file DNS provider: ${file} has no SOA record for ${zone}`, {
        code: 'DNS_ZONE_FILE_INVALID',
        kind: 'config',
        hint: `is this the zone file of ${zone}? Remove it to let muster write a new one`,
      });
    }
    return content;
  }

  /** SOA, NS and glue for a file muster creates. The glue is a plain record: muster does not own it. */
  function freshZone(): { soa: Soa; kept: ZoneEntry[]; managed: RecordSet[] } {
    const servers = config.nameservers.map((ns) => (typeof ns === 'string' ? { name: ns } : ns));
    const names = servers.map((ns) => canonicalName(ns.name, zone));
    const soa: Soa = { ttl: 3600, mname: names[0] ?? zone, rname: canonicalName(config.hostmaster, zone), serial: 0, ...SOA_TIMERS };
    const kept = names.map((ns): ZoneEntry => ({
      name: zone,
      ttl: 3600,
      class: 'IN',
      type: 'NS',
      rdata: [{ raw: ns, bytes: Buffer.from(ns), quoted: false }],
      origin: zone,
      line: 0,
    }));
    const glue = servers.flatMap((ns) =>
      'address' in ns ? [canonicalRecordSet({ name: ns.name, type: isIPv4(ns.address) ? 'A' : 'AAAA', ttl: 3600, values: [ns.address] }, zone)] : [],
    );
    return { soa, kept, managed: glue };
  }

  return {
    type: 'zone-file',
    zone,
    async list(signal) {
      signal?.throwIfAborted();
      return sortRecordSets((await load())?.managed ?? []);
    },
    async apply(changes: RecordChanges, signal): Promise<ApplyResult> {
      signal?.throwIfAborted();
      if (changes.create.length + changes.update.length + changes.delete.length === 0) return { writeCalls: 0 };
      const content = await load();
      const { soa, kept, managed: before } = content?.soa ? { ...content, soa: content.soa } : freshZone();
      const after = applyChanges(before, changes, zone, file);
      if (content && after.length === before.length && after.every((set, i) => sameRecordSet(set, before[i] as RecordSet))) return { writeCalls: 0 };
      signal?.throwIfAborted();
      const text = formatZone(zone, { ...soa, serial: nextSerial(soa.serial, now()) }, kept, after);
      await writeFileAtomic(file, text, { mode: 0o644 });
      return { writeCalls: 1 };
    },
  };
}

/** Deletes, then updates, then creates; each checked against the file's content, like a server would. */
function applyChanges(current: readonly RecordSet[], changes: RecordChanges, zone: string, file: string): RecordSet[] {
  const records = new Map(current.map((set) => [recordKey(set), set]));
  const changed = (what: string): MusterError =>
    zoneChanged(`zone-file DNS provider: ${file} changed since it was read: ${what}`, {
      hint: 'muster lists the zone again and plans again (was the file edited by hand meanwhile?)',
    });
  const expect = (set: RecordSet): void => {
    const have = records.get(recordKey(set));
    if (!have || !sameRecordSet(have, set)) throw changed(`expected ${describeRecordSet(set)}, found ${have ? describeRecordSet(have) : 'nothing'}`);
  };
  for (const set of changes.delete) {
    expect(set);
    records.delete(recordKey(set));
  }
  for (const { from, to } of changes.update) {
    assertCanonical(to, zone);
    expect(from);
    records.delete(recordKey(from));
    records.set(recordKey(to), to);
  }
  for (const set of changes.create) {
    assertCanonical(set, zone);
    if (records.has(recordKey(set))) throw changed(`${set.name} ${set.type} already exists`);
    records.set(recordKey(set), set);
  }
  return sortRecordSets(records.values());
}
