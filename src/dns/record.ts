/**
 * The canonical record model. Every provider lists and every plan compares record sets in this one
 * form, so "is this the same record?" is a string comparison and never depends on how a server or a
 * user happened to spell it:
 * - names: lower-case, fully qualified with a trailing dot; a relative name (or "@") is resolved
 *   against the zone;
 * - values: sorted and de-duplicated; A/AAAA in their shortest standard text (RFC 5952 for IPv6);
 *   CNAME an FQDN; TXT the unquoted text (strings longer than 255 bytes are split on the wire only);
 *   SRV "priority weight port target." with an FQDN target.
 * Invalid input is a MusterError naming the record and saying what is wrong.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { MusterError } from '../core/errors.js';
import type { RecordSet, RecordType } from './types.js';

export const RECORD_TYPES: readonly RecordType[] = ['A', 'AAAA', 'CNAME', 'SRV', 'TXT'];

/** What a user or a step writes: names may be relative, values in any accepted spelling. */
export interface RecordInput {
  name: string;
  type: string;
  ttl: number;
  values: readonly string[];
}

const MAX_NAME_LENGTH = 253; // 255 octets on the wire, minus the length byte and the root label
const MAX_LABEL_LENGTH = 63;
const MAX_TTL = 2 ** 31 - 1; // RFC 2181 §8

export function invalidRecord(what: string, problem: string, hint?: string): MusterError {
  return new MusterError(`invalid DNS record ${what}: ${problem}`, {
    code: 'DNS_RECORD_INVALID',
    kind: 'config',
    hint: hint ?? 'fix the record in the config (or the step that computed it)',
  });
}

export function isRecordType(type: string): type is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(type);
}

/** A zone name in canonical form ("Example.COM" → "example.com."). */
export function canonicalZone(zone: string): string {
  const trimmed = zone.trim();
  if (trimmed === '' || trimmed === '.') throw invalidRecord(`zone "${zone}"`, 'the zone must be a domain name, not the root');
  return canonicalName(trimmed.endsWith('.') ? trimmed : `${trimmed}.`, '.');
}

/**
 * A name in canonical form. "@" is the zone apex; a name without a trailing dot is relative to the
 * zone. Allowed: letters, digits, "-", "_" (service labels such as _etcd-server._tcp) and a "*"
 * wildcard as the whole first label.
 */
export function canonicalName(name: string, zone: string): string {
  const result = resolveName(name, zone);
  if (typeof result !== 'string') throw invalidRecord(`name "${name}"`, result.problem, result.hint);
  return result;
}

function resolveName(name: string, zone: string): string | { problem: string; hint?: string } {
  const raw = name.trim();
  if (raw === '') return { problem: 'the name is empty' };
  let fqdn: string;
  if (raw === '@') fqdn = zone;
  else if (raw.endsWith('.')) fqdn = raw;
  else fqdn = zone === '.' ? `${raw}.` : `${raw}.${zone}`;
  fqdn = fqdn.toLowerCase();
  if (fqdn === '.') return fqdn;
  if (fqdn.length - 1 > MAX_NAME_LENGTH) return { problem: `${fqdn} is longer than ${MAX_NAME_LENGTH} characters` };
  const labels = fqdn.slice(0, -1).split('.');
  for (const [index, label] of labels.entries()) {
    if (label === '') return { problem: 'it has an empty label (two dots in a row, or a leading dot)' };
    if (label.length > MAX_LABEL_LENGTH) return { problem: `label "${label}" is longer than ${MAX_LABEL_LENGTH} characters` };
    if (label === '*') {
      if (index !== 0) return { problem: 'a "*" wildcard may only be the first label' };
      continue;
    }
    if (!/^[a-z0-9_-]+$/.test(label)) {
      const problem = `label "${label}" may only contain letters, digits, "-" and "_"`;
      return [...label].some((ch) => ch.charCodeAt(0) > 0x7f) ? { problem, hint: 'write internationalised names in their xn-- (punycode) form' } : { problem };
    }
  }
  return fqdn;
}

/** Whether `name` (canonical) is the zone apex or below it. */
export function isInZone(name: string, zone: string): boolean {
  return zone === '.' || name === zone || name.endsWith(`.${zone}`);
}

/** The name relative to the zone ("@" for the apex), for zone files and messages meant for people. */
export function relativeName(name: string, zone: string): string {
  if (name === zone) return '@';
  return isInZone(name, zone) ? name.slice(0, -(zone.length + 1)) : name;
}

/** One value of a record of `type` in canonical form. */
export function canonicalValue(type: RecordType, value: string, zone: string, what: string = type): string {
  switch (type) {
    case 'A':
      return canonicalIPv4(value, what);
    case 'AAAA':
      return formatIPv6(parseIPv6(value, what));
    case 'CNAME':
      return canonicalTarget(value, zone, what);
    case 'TXT':
      return unquoteTxt(value);
    case 'SRV':
      return canonicalSrv(value, zone, what);
  }
}

/** A record set in canonical form, validated. */
export function canonicalRecordSet(input: RecordInput, zone: string): RecordSet {
  const type = input.type.toUpperCase();
  const label = `${input.name} ${input.type}`;
  if (!isRecordType(type)) throw invalidRecord(label, `type ${input.type} is not one muster manages (${RECORD_TYPES.join(', ')})`);
  const canonicalZoneName = zone === '.' ? zone : canonicalZone(zone);
  const name = canonicalName(input.name, canonicalZoneName);
  if (!isInZone(name, canonicalZoneName)) throw invalidRecord(label, `${name} is outside the zone ${canonicalZoneName}`);
  if (!Number.isInteger(input.ttl) || input.ttl < 0 || input.ttl > MAX_TTL) {
    throw invalidRecord(label, `TTL ${input.ttl} is not a whole number of seconds between 0 and ${MAX_TTL}`);
  }
  if (input.values.length === 0) throw invalidRecord(label, 'a record set needs at least one value');
  const values = sortValues(input.values.map((value) => canonicalValue(type, value, canonicalZoneName, `${name} ${type}`)));
  if (type === 'CNAME') {
    if (values.length > 1) throw invalidRecord(label, `a CNAME has exactly one target, not ${values.length}`);
    if (name === canonicalZoneName) throw invalidRecord(label, 'a CNAME cannot be at the zone apex (it would hide the SOA and NS records)');
  }
  return { name, type, ttl: input.ttl, values };
}

/** Sorted and de-duplicated, by code unit, so every process sorts the same way. */
export function sortValues(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "name type": identifies a record set within a zone. */
export function recordKey(set: { name: string; type: string }): string {
  return `${set.name} ${set.type}`;
}

export function compareRecordSets(a: RecordSet, b: RecordSet): number {
  return compareStrings(a.name, b.name) || compareStrings(a.type, b.type);
}

export function sortRecordSets(sets: Iterable<RecordSet>): RecordSet[] {
  return [...sets].sort(compareRecordSets);
}

/** Same name, type, TTL and values (both canonical). */
export function sameRecordSet(a: RecordSet, b: RecordSet): boolean {
  return a.name === b.name && a.type === b.type && a.ttl === b.ttl && a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
}

/** For logs and plan output: "node1.example.com. A 60 10.0.0.1,10.0.0.2". */
export function describeRecordSet(set: RecordSet): string {
  return `${set.name} ${set.type} ${describeData(set)}`;
}

/** TTL and values only: "60 10.0.0.1,10.0.0.2" (TXT values quoted, as JSON strings). */
export function describeData(set: RecordSet): string {
  return `${set.ttl} ${set.values.map((v) => (set.type === 'TXT' ? JSON.stringify(v) : v)).join(',')}`;
}

function canonicalIPv4(value: string, what: string): string {
  const trimmed = value.trim();
  // Leading zeros are refused rather than guessed: some tools read 010 as octal.
  if (!isIPv4(trimmed)) throw invalidRecord(what, `"${value}" is not an IPv4 address`);
  return trimmed;
}

/** Parses an IPv6 address (with an optional dotted IPv4 tail) to 16 bytes. */
export function parseIPv6(value: string, what = 'AAAA'): Uint8Array {
  const text = value.trim().toLowerCase();
  if (!isIPv6(text) || text.includes('%')) throw invalidRecord(what, `"${value}" is not an IPv6 address`);
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes its two hex groups, then one parser does the rest.
  const head = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [left = '', right] = head.split('::');
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const groups = right === undefined ? leftGroups : [...leftGroups, ...Array<string>(8 - leftGroups.length - rightGroups.length).fill('0'), ...rightGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const n = parseInt(group, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  });
  return bytes;
}

/** RFC 5952 text: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
export function formatIPv6(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0));
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return `::ffff:${[12, 13, 14, 15].map((i) => bytes[i] ?? 0).join('.')}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function canonicalTarget(value: string, zone: string, what: string): string {
  const result = resolveName(value, zone);
  if (typeof result !== 'string') throw invalidRecord(what, `target "${value}": ${result.problem}`, result.hint);
  return result;
}

function canonicalSrv(value: string, zone: string, what: string): string {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 4) throw invalidRecord(what, `"${value}" is not "priority weight port target"`);
  const [priority, weight, port, target] = parts as [string, string, string, string];
  const numbers = [priority, weight, port].map((part, i) => {
    const n = /^\d+$/.test(part) ? Number(part) : NaN;
    if (!(n >= 0 && n <= 65535)) throw invalidRecord(what, `${['priority', 'weight', 'port'][i]} "${part}" in "${value}" is not a number from 0 to 65535`);
    return n;
  });
  return `${numbers.join(' ')} ${target === '.' ? '.' : canonicalTarget(target, zone, what)}`;
}

/**
 * TXT values are kept as their text. A value written in zone-file form — one or more
 * double-quoted strings, e.g. `"v=spf1 -all"` or `"part one" "part two"` (Route53 returns them
 * this way) — is unquoted and its strings joined; anything else is taken literally.
 */
export function unquoteTxt(value: string): string {
  const strings = parseQuotedStrings(value.trim());
  return strings === undefined ? value : strings.join('');
}

function parseQuotedStrings(text: string): string[] | undefined {
  if (!text.startsWith('"')) return undefined;
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') return undefined;
    i++;
    const bytes: number[] = [];
    let closed = false;
    while (i < text.length) {
      const ch = text[i] as string;
      if (ch === '"') {
        closed = true;
        i++;
        break;
      }
      if (ch === '\\') {
        const digits = /^\d{3}/.exec(text.slice(i + 1, i + 4));
        if (digits) {
          bytes.push(Number(digits[0]) & 0xff);
          i += 4;
        } else {
          if (i + 1 >= text.length) return undefined;
          bytes.push(...Buffer.from(text[i + 1] as string));
          i += 2;
        }
        continue;
      }
      const codePoint = text.codePointAt(i) as number;
      const char = String.fromCodePoint(codePoint);
      bytes.push(...Buffer.from(char));
      i += char.length;
    }
    if (!closed) return undefined;
    out.push(Buffer.from(bytes).toString('utf8'));
    while (text[i] === ' ' || text[i] === '\t') i++;
  }
  return out;
}

/** Throws unless the set is already canonical and inside the zone: providers refuse to guess. */
export function assertCanonical(set: RecordSet, zone: string): void {
  const canonical = canonicalRecordSet(set, zone);
  if (!sameRecordSet(canonical, set)) {
    throw invalidRecord(describeRecordSet(set), `not in canonical form (expected ${describeRecordSet(canonical)})`, 'pass record sets through canonicalRecordSet() first');
  }
}
