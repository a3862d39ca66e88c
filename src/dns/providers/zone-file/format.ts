/**
 * Writes a zone as an RFC 1035 master file: SOA first, then the entries muster keeps as written
 * (with the $ORIGIN they were written under), then muster's record sets sorted by name and type.
 */
import { relativeName } from '../../record.js';
import type { RecordSet } from '../../types.js';
import type { ZoneEntry } from './parse.js';
import type { Soa } from './records.js';

const HEADER = [
  '; Written by muster (zone-file DNS provider). Muster rewrites this file whenever its records change:',
  '; records of other types (SOA, NS, MX, ...) are kept, comments and layout are not.',
];

export function formatZone(zone: string, soa: Soa, kept: readonly ZoneEntry[], managed: readonly RecordSet[]): string {
  const lines = [...HEADER, `$ORIGIN ${zone}`];
  lines.push(`@\t${soa.ttl}\tIN\tSOA\t${soa.mname} ${soa.rname} ${soa.serial} ${soa.refresh} ${soa.retry} ${soa.expire} ${soa.minimum}`);
  let origin = zone;
  for (const entry of kept) {
    if (entry.origin !== origin) {
      origin = entry.origin;
      lines.push(`$ORIGIN ${origin}`);
    }
    lines.push(`${entry.name}\t${entry.ttl}\t${entry.class}\t${entry.type}\t${entry.rdata.map((token) => token.raw).join(' ')}`);
  }
  if (origin !== zone) lines.push(`$ORIGIN ${zone}`);
  for (const set of managed) {
    for (const value of set.values) lines.push(`${relativeName(set.name, zone)}\t${set.ttl}\tIN\t${set.type}\t${formatValue(set.type, value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatValue(type: RecordSet['type'], value: string): string {
  return type === 'TXT' ? formatTxt(value) : value; // names in values are FQDNs with their dot
}

/** Character-strings of at most 255 bytes each, quoted; '"', '\' and non-printable bytes escaped. */
export function formatTxt(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const strings: string[] = [];
  for (let i = 0; i === 0 || i < bytes.length; i += 255) {
    let out = '';
    for (const byte of bytes.subarray(i, i + 255)) {
      if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
      else if (byte < 0x20 || byte > 0x7e) out += `\\${String(byte).padStart(3, '0')}`;
      else out += String.fromCharCode(byte);
    }
    strings.push(`"${out}"`);
  }
  return strings.join(' ');
}
