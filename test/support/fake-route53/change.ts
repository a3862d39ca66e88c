import { isIPv4, isIPv6 } from 'node:net';
import { FakeApiError } from '../fake-aws/query.js';
import { canonicalName, compareRecordSets, type FakeRecordSet, type FakeZone } from './model.js';
import { child, childText, children, type XmlElement } from './xml.js';

/**
 * ChangeResourceRecordSets as Route 53 validates it: the request limits first, then every change
 * in order against a working copy of the zone, then the zone's invariants (CNAME alone at its
 * name). Any problem rejects the whole batch with InvalidChangeBatch listing all of them, and the
 * zone is left as it was: batches are atomic.
 */
export const LIMITS = { elements: 1000, chars: 32_000 };

export interface ParsedChange {
  action: 'CREATE' | 'DELETE' | 'UPSERT';
  set: FakeRecordSet;
}

export interface BatchSize {
  changes: number;
  /** ResourceRecord elements, an UPSERT's counted twice. */
  elements: number;
  /** Characters of Value text, an UPSERT's counted twice. */
  chars: number;
}

export function parseChangeBatch(request: XmlElement): { changes: ParsedChange[]; comment?: string } {
  if (request.name !== 'ChangeResourceRecordSetsRequest') throw invalidInput(`Expected ChangeResourceRecordSetsRequest, found ${request.name}`);
  const batch = child(request, 'ChangeBatch');
  const changes = children(child(batch, 'Changes'), 'Change').map(parseChange);
  if (changes.length === 0) {
    throw invalidInput("1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  const comment = childText(batch, 'Comment');
  return comment === undefined ? { changes } : { changes, comment };
}

export function batchSize(changes: readonly ParsedChange[]): BatchSize {
  let elements = 0;
  let chars = 0;
  for (const change of changes) {
    const weight = change.action === 'UPSERT' ? 2 : 1;
    elements += weight * change.set.values.length;
    chars += weight * change.set.values.reduce((sum, value) => sum + value.length, 0);
  }
  return { changes: changes.length, elements, chars };
}

/** Applies the batch to the zone, or throws InvalidChangeBatch and leaves the zone untouched. */
export function applyChangeBatch(zone: FakeZone, changes: readonly ParsedChange[]): void {
  const size = batchSize(changes);
  // Route 53 checks the request limits before looking at any change.
  if (size.elements > LIMITS.elements) throw invalidChangeBatch([`Number of records limit of ${LIMITS.elements} exceeded.`]);
  if (size.chars > LIMITS.chars) throw invalidChangeBatch([`RDATA character limit of ${LIMITS.chars} exceeded.`]);

  // A working copy by identity, so a failed batch leaves the zone as it was.
  const working = new Map(zone.records.map((set) => [identity(set), set]));
  const problems: string[] = [];
  const touched = new Set<string>();
  for (const { action, set } of changes) {
    const what = `[name='${set.name}', type='${set.type}'${set.setIdentifier === undefined ? '' : `, set-identifier='${set.setIdentifier}'`}]`;
    if (set.name !== zone.name && !set.name.endsWith(`.${zone.name}`)) {
      problems.push(`RRSet with DNS name ${set.name} is not permitted in zone ${zone.name}`);
      continue;
    }
    const valueProblems = action === 'DELETE' ? [] : validateValues(set);
    if (valueProblems.length > 0) {
      problems.push(...valueProblems);
      continue;
    }
    const key = identity(set);
    const existing = working.get(key);
    touched.add(set.name);
    if (action === 'CREATE') {
      if (existing) problems.push(`Tried to create resource record set ${what} but it already exists`);
      else working.set(key, set);
    } else if (action === 'DELETE') {
      if (!existing) problems.push(`Tried to delete resource record set ${what} but it was not found`);
      else if (!sameData(existing, set)) problems.push(`Tried to delete resource record set ${what} but the values provided do not match the current values`);
      else working.delete(key);
    } else working.set(key, set);
  }
  const byName = new Map<string, FakeRecordSet[]>();
  for (const set of working.values()) byName.set(set.name, [...(byName.get(set.name) ?? []), set]);
  for (const name of touched) problems.push(...cnameProblems(byName.get(name) ?? [], name, zone.name));
  if (problems.length > 0) throw invalidChangeBatch(problems);
  zone.records = [...working.values()].sort(compareRecordSets);
}

/** InvalidChangeBatch, carrying each problem so either error document can be written. */
export class InvalidChangeBatchError extends FakeApiError {
  constructor(readonly messages: readonly string[]) {
    // In an <ErrorResponse>, Route 53 puts the list in the message, in brackets.
    super(400, 'InvalidChangeBatch', `[${messages.join(', ')}]`);
  }
}

export function invalidChangeBatch(messages: readonly string[]): FakeApiError {
  return new InvalidChangeBatchError(messages);
}

export function invalidInput(message: string): FakeApiError {
  return new FakeApiError(400, 'InvalidInput', message);
}

function parseChange(change: XmlElement): ParsedChange {
  const action = childText(change, 'Action');
  if (action !== 'CREATE' && action !== 'DELETE' && action !== 'UPSERT') throw invalidInput(`Invalid XML ; cvc-enumeration-valid: Value '${action}' is not facet-valid`);
  const xml = child(change, 'ResourceRecordSet');
  const name = childText(xml, 'Name');
  const type = childText(xml, 'Type');
  if (name === undefined || type === undefined) throw invalidInput('Invalid XML ; a ResourceRecordSet needs a Name and a Type');
  const ttl = childText(xml, 'TTL');
  const records = child(xml, 'ResourceRecords');
  const alias = child(xml, 'AliasTarget');
  const setIdentifier = childText(xml, 'SetIdentifier');
  if ((ttl === undefined || records === undefined) === (alias === undefined)) {
    throw invalidInput(
      `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found ${alias === undefined ? 'none' : 'more than one'} in Change with [Action=${action}, Name=${name}, Type=${type}, SetIdentifier=${setIdentifier ?? 'null'}]`,
    );
  }
  const set: FakeRecordSet = {
    name: canonicalName(name),
    type,
    values: children(records, 'ResourceRecord').map((record) => childText(record, 'Value') ?? ''),
  };
  if (ttl !== undefined) set.ttl = Number(ttl);
  if (setIdentifier !== undefined) set.setIdentifier = setIdentifier;
  if (alias !== undefined) {
    set.alias = {
      hostedZoneId: childText(alias, 'HostedZoneId') ?? '',
      dnsName: childText(alias, 'DNSName') ?? '',
      evaluateTargetHealth: childText(alias, 'EvaluateTargetHealth') === 'true',
    };
  }
  // Route 53 keeps TXT data in its own escaped form, whichever escapes the request used.
  if (type === 'TXT') set.values = set.values.map((value) => normalizeTxt(value) ?? value);
  return { action, set };
}

/** A few of Route 53's value checks: the ones a DNS provider can get wrong. */
function validateValues(set: FakeRecordSet): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const value of set.values) {
    if (seen.has(value)) problems.push(`Duplicate Resource Record: '${value}'`);
    seen.add(value);
    const fatal = (code: string, reason: string): void => {
      problems.push(`Invalid Resource Record: 'FATAL problem: ${code} (${reason}) encountered with '${value}''`);
    };
    if (set.type === 'A' && !isIPv4(value)) fatal('ARRDATAIllegalIPv4Address', 'Value is not a valid IPv4 address');
    if (set.type === 'AAAA' && !isIPv6(value)) fatal('AAAARRDATAIllegalIPv6Address', 'Value is not a valid IPv6 address');
    if (set.type === 'TXT') {
      const strings = quotedStrings(value);
      if (strings === undefined) fatal('InvalidCharacterString', 'Value should be enclosed in quotation marks');
      else if (strings.some((bytes) => bytes.length > 255)) fatal('CharacterStringTooLong', 'Value is too long');
    }
    if (set.type === 'SRV' && !/^\d+ \d+ \d+ \S+$/.test(value)) fatal('SRVRRDATAFormatError', 'Value should be of the form priority weight port target');
  }
  if (set.type === 'CNAME' && set.values.length > 1) problems.push(`RRSet of type CNAME with DNS name ${set.name} has more than one value`);
  return problems;
}

function cnameProblems(atName: readonly FakeRecordSet[], name: string, zone: string): string[] {
  if (!atName.some((set) => set.type === 'CNAME')) return [];
  if (name === zone) return [`RRSet of type CNAME with DNS name ${name} is not permitted at apex in zone ${zone}`];
  if (atName.some((set) => set.type !== 'CNAME')) return [`RRSet of type CNAME with DNS name ${name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone}`];
  return [];
}

function identity(set: FakeRecordSet): string {
  return `${set.name} ${set.type} ${set.setIdentifier ?? ''}`;
}

/** A DELETE must repeat the set exactly: TTL and the same values (in any order). */
function sameData(a: FakeRecordSet, b: FakeRecordSet): boolean {
  const sorted = (values: readonly string[]): string => JSON.stringify([...values].sort());
  return a.ttl === b.ttl && sorted(a.values) === sorted(b.values) && JSON.stringify(a.alias) === JSON.stringify(b.alias);
}

/** A TXT value re-escaped the way Route 53 stores it; undefined when it is not quoted strings. */
export function normalizeTxt(value: string): string | undefined {
  const strings = quotedStrings(value);
  if (strings === undefined) return undefined;
  return strings
    .map((bytes) => {
      let out = '';
      for (const byte of bytes) {
        if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
        else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
        else out += `\\${byte.toString(8).padStart(3, '0')}`;
      }
      return `"${out}"`;
    })
    .join(' ');
}

/** The byte strings of `"a" "b"`, or undefined when the value is not quoted strings. */
function quotedStrings(value: string): number[][] | undefined {
  const strings: number[][] = [];
  let i = 0;
  const text = value.trim();
  while (i < text.length) {
    if (text[i] !== '"') return undefined;
    i++;
    const bytes: number[] = [];
    for (;;) {
      if (i >= text.length) return undefined;
      const char = text[i] ?? '';
      if (char === '"') break;
      const octal = char === '\\' ? /^[0-7]{3}/.exec(text.slice(i + 1, i + 4)) : null;
      if (octal) {
        bytes.push(Number.parseInt(octal[0], 8));
        i += 4;
      } else if (char === '\\') {
        bytes.push(...Buffer.from(text[i + 1] ?? ''));
        i += 2;
      } else {
        const codePoint = String.fromCodePoint(text.codePointAt(i) ?? 0);
        bytes.push(...Buffer.from(codePoint));
        i += codePoint.length;
      }
    }
    i++;
    strings.push(bytes);
    while (text[i] === ' ') i++;
  }
  return strings.length === 0 ? undefined : strings;
}
