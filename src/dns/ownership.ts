/**
 * Who owns a record set: a TXT ownership registry, as external-dns keeps one. For every record
 * set muster manages there is a TXT record set
 *
 *     _muster-owner.<type in lower case>.<name>   TXT   "heritage=muster,muster/owner=<owner_id>"
 *
 * e.g. node1.example.com. A → _muster-owner.a.node1.example.com. TXT. Why this naming:
 * - a separate name (not a TXT at the record's own name) can coexist with a CNAME, which allows no
 *   other data at its name, and does not mix with the user's own TXT records (SPF, verification);
 * - the type label keeps ownership per record set (an A and an AAAA at one name are owned apart);
 * - the "_" label cannot be a host name, so it never collides with a real host.
 * A wildcard's "*" may only be the first label of a name, so it is spelled "_wildcard" inside an
 * ownership name (*.apps.example.com. A → _muster-owner.a._wildcard.apps.example.com.).
 *
 * The ownership TXT is created in the same change as its record and deleted with it; a record
 * without one is someone else's, and muster does not touch it (unless take_over is set).
 */
import { MusterError } from '../core/errors.js';
import { invalidRecord, isRecordType, recordKey } from './record.js';
import type { RecordSet, RecordType } from './types.js';

export const OWNERSHIP_LABEL = '_muster-owner';
const WILDCARD_LABEL = '_wildcard';
const HERITAGE = 'heritage=muster';
const OWNER_KEY = 'muster/owner';

/** Owner ids go inside a comma-separated key=value TXT: no commas, no "=", no spaces. */
export const OWNER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,62}$/;

export function validateOwnerId(ownerId: string): string {
  if (!OWNER_ID_PATTERN.test(ownerId)) {
    throw new MusterError(`invalid DNS owner id "${ownerId}"`, {
      code: 'DNS_OWNER_INVALID',
      kind: 'config',
      hint: 'use 1-63 letters, digits and . _ : / - (it is written into TXT ownership records)',
    });
  }
  return ownerId;
}

export function isOwnershipName(name: string): boolean {
  return name.startsWith(`${OWNERSHIP_LABEL}.`);
}

export function isOwnershipRecord(set: RecordSet): boolean {
  return set.type === 'TXT' && isOwnershipName(set.name);
}

/** The name of the ownership TXT of a record set; throws when it would be too long for DNS. */
export function ownershipName(target: { name: string; type: RecordType }): string {
  const name = target.name.startsWith('*.') ? `${WILDCARD_LABEL}${target.name.slice(1)}` : target.name;
  const ownership = `${OWNERSHIP_LABEL}.${target.type.toLowerCase()}.${name}`;
  if (ownership.length - 1 > 253) {
    throw invalidRecord(`${target.name} ${target.type}`, `its ownership record ${ownership} would be longer than 253 characters`, 'use a shorter name');
  }
  return ownership;
}

/** The record set an ownership TXT name stands for, or undefined if it is not one. */
export function ownershipTarget(name: string): { name: string; type: RecordType } | undefined {
  if (!isOwnershipName(name)) return undefined;
  const rest = name.slice(OWNERSHIP_LABEL.length + 1);
  const dot = rest.indexOf('.');
  if (dot < 0) return undefined;
  const type = rest.slice(0, dot).toUpperCase();
  let target = rest.slice(dot + 1);
  if (!isRecordType(type) || target === '') return undefined;
  if (target.startsWith(`${WILDCARD_LABEL}.`)) target = `*${target.slice(WILDCARD_LABEL.length)}`;
  return { name: target, type };
}

export function ownershipValue(ownerId: string): string {
  return `${HERITAGE},${OWNER_KEY}=${ownerId}`;
}

/** The owner id in an ownership TXT value, or undefined if it is not muster's format. */
export function parseOwnershipValue(value: string): string | undefined {
  const fields = value.split(',').map((field) => field.trim());
  if (!fields.includes(HERITAGE)) return undefined;
  const owner = fields.find((field) => field.startsWith(`${OWNER_KEY}=`));
  return owner === undefined ? undefined : owner.slice(OWNER_KEY.length + 1) || undefined;
}

/** The ownership TXT for a record set owned by ownerId; it shares the record's TTL. */
export function ownershipRecord(target: RecordSet, ownerId: string): RecordSet {
  return { name: ownershipName(target), type: 'TXT', ttl: target.ttl, values: [ownershipValue(ownerId)] };
}

/** Ownership records for every desired record set. */
export function ownershipRecords(desired: readonly RecordSet[], ownerId: string): RecordSet[] {
  return desired.map((set) => ownershipRecord(set, ownerId));
}

export type Ownership =
  /** No ownership TXT: someone else made the record (or no record exists). */
  | { kind: 'none' }
  /** A muster ownership TXT naming this owner id. */
  | { kind: 'owned'; owner: string; record: RecordSet }
  /** A TXT at the ownership name that is not in muster's format (or names several owners). */
  | { kind: 'unreadable'; record: RecordSet };

export interface OwnershipIndex {
  /** Who owns the record set with this name and type. */
  ownerOf(target: { name: string; type: RecordType }): Ownership;
  /** Every ownership TXT found, keyed by the record set it stands for. */
  readonly records: ReadonlyMap<string, { target: { name: string; type: RecordType }; record: RecordSet }>;
}

/** Reads the ownership registry out of a zone's current record sets. */
export function readOwnership(current: readonly RecordSet[]): OwnershipIndex {
  const records = new Map<string, { target: { name: string; type: RecordType }; record: RecordSet }>();
  for (const set of current) {
    if (set.type !== 'TXT') continue;
    const target = ownershipTarget(set.name);
    if (target) records.set(recordKey(target), { target, record: set });
  }
  return {
    records,
    ownerOf(target) {
      const entry = records.get(recordKey(target));
      if (!entry) return { kind: 'none' };
      const owners = new Set(entry.record.values.map(parseOwnershipValue));
      const [owner] = owners;
      if (owners.size !== 1 || owner === undefined) return { kind: 'unreadable', record: entry.record };
      return { kind: 'owned', owner, record: entry.record };
    },
  };
}
