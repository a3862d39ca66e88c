/**
 * From parsed entries to what the provider works with: the SOA, the record sets muster manages
 * (canonical), and every other entry, kept as written so that a rewrite never loses the NS, MX or
 * other records a person put in the file.
 */
import { isMusterError } from '../../../core/errors.js';
import { canonicalName, canonicalRecordSet, isInZone, isRecordType, recordKey } from '../../record.js';
import type { RecordSet } from '../../types.js';
import { absoluteName, zoneFileError, type ZoneEntry } from './parse.js';

export interface Soa {
  ttl: number;
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface ZoneContent {
  soa: Soa | undefined;
  managed: RecordSet[];
  kept: ZoneEntry[];
}

export function readZone(entries: readonly ZoneEntry[], zone: string, file: string): ZoneContent {
  let soa: Soa | undefined;
  const kept: ZoneEntry[] = [];
  const groups = new Map<string, { name: string; type: string; ttl: number; values: string[] }>();
  for (const entry of entries) {
    const fail = (problem: string): Error => zoneFileError(file, entry.line, problem);
    if (entry.type === 'SOA' && entry.class === 'IN' && entry.name === zone) {
      if (soa) throw fail('a second SOA record');
      soa = readSoa(entry, fail);
      continue;
    }
    if (entry.class !== 'IN' || !isRecordType(entry.type) || !isInZone(entry.name, zone) || !isValidName(entry.name, zone)) {
      kept.push(entry);
      continue;
    }
    const key = recordKey(entry);
    const group = groups.get(key) ?? { name: entry.name, type: entry.type, ttl: entry.ttl, values: [] };
    group.values.push(readValue(entry, fail));
    groups.set(key, group);
  }
  const managed = [...groups.values()].map((group) => {
    try {
      return canonicalRecordSet(group, zone);
    } catch (error) {
      if (!isMusterError(error)) throw error;
      throw zoneFileError(file, entries.find((entry) => recordKey(entry) === recordKey(group))?.line ?? 0, error.message);
    }
  });
  return { soa, managed, kept };
}

function isValidName(name: string, zone: string): boolean {
  try {
    canonicalName(name, zone);
    return true;
  } catch {
    return false; // a name muster cannot manage (e.g. with escapes): kept as written
  }
}

function readValue(entry: ZoneEntry, fail: (problem: string) => Error): string {
  const words = entry.rdata.map((token) => token.raw);
  const expect = (count: number): void => {
    if (words.length !== count) throw fail(`${entry.type} needs ${count} field(s), found ${words.length}: ${words.join(' ')}`);
  };
  switch (entry.type) {
    case 'A':
    case 'AAAA':
      expect(1);
      return words[0] as string;
    case 'CNAME':
      expect(1);
      return absoluteName(words[0] as string, entry.origin, fail);
    case 'SRV': {
      expect(4);
      const target = words[3] as string;
      return `${words.slice(0, 3).join(' ')} ${target === '.' ? '.' : absoluteName(target, entry.origin, fail)}`;
    }
    case 'TXT':
      if (words.length === 0) throw fail('TXT without any string');
      // One record may hold several strings; muster's value is their concatenation.
      return Buffer.concat(entry.rdata.map((token) => token.bytes)).toString('utf8');
    default:
      throw fail(`unexpected type ${entry.type}`);
  }
}

function readSoa(entry: ZoneEntry, fail: (problem: string) => Error): Soa {
  const words = entry.rdata.map((token) => token.raw);
  if (words.length !== 7) throw fail(`SOA needs 7 fields, found ${words.length}`);
  const numbers = words.slice(2).map((word) => {
    if (!/^\d+$/.test(word)) throw fail(`SOA field "${word}" is not a number`);
    return Number(word);
  }) as [number, number, number, number, number];
  const [serial, refresh, retry, expire, minimum] = numbers;
  return {
    ttl: entry.ttl,
    mname: absoluteName(words[0] as string, entry.origin, fail),
    rname: absoluteName(words[1] as string, entry.origin, fail),
    serial,
    refresh,
    retry,
    expire,
    minimum,
  };
}
