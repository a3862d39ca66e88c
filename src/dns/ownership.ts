/**
 * Who owns a record set: a TXT ownership registry, as external-dns keeps one. For every record
 * set muster manages there is a TXT record set at a name of its own, saying who owns which set:
 *
 *     <type>.<name>   →  _muster-owner.<type>.<name>            TXT  "heritage=muster,muster/owner=<owner_id>,muster/record=<TYPE>/<name>"
 *     <type> *.<rest> →  _muster-owner.<type>-wildcard.<rest>   TXT  (the same value, with the "*" in the record field)
 *
 * e.g. node1.example.com. A    → _muster-owner.a.node1.example.com. TXT
 *                                 "heritage=muster,muster/owner=cluster-a,muster/record=A/node1.example.com."
 *      *.apps.example.com. A   → _muster-owner.a-wildcard.apps.example.com. TXT
 *                                 "heritage=muster,muster/owner=cluster-a,muster/record=A/*.apps.example.com."
 * Why this naming:
 * - a separate name (not a TXT at the record's own name) can coexist with a CNAME, which allows no
 *   other data at its name, and does not mix with the user's own TXT records (SPF, verification);
 * - the type label keeps ownership per record set (an A and an AAAA at one name are owned apart);
 * - the "_" label cannot be a host name, so it never collides with a real host;
 * - a "*" may only be the first label of a name, so a wildcard is marked in the type label, not
 *   spelled as a label of its own: type labels are a fixed set (a, aaaa, cname, srv, txt, each
 *   with or without "-wildcard"), so no label of a record's name can be mistaken for one, and
 *   every record set has one ownership name that stands for it alone. (The previous release
 *   spelled "*" as a "_wildcard" label, the name a literal _wildcard.<rest> also maps to: two
 *   record sets shared one ownership record, and muster deleted a record it did not own.)
 * The value names the record set as well (external-dns's registry carries its resource too), so a
 * TXT at the wrong name is never taken as ownership of the set there: a value whose record field
 * names another record set makes the set at that name someone else's.
 *
 * Upgrading: the previous release wrote values without the record field. Such a value is read as
 * owned (legacy), and the plan rewrites it in this format; but at a name that release spelled
 * ambiguously (_muster-owner.<type>._wildcard.<rest>: *.<rest> or _wildcard.<rest>?) it is
 * unreadable, so muster never changes or deletes the set or the TXT there, and reports a conflict.
 *
 * The ownership TXT is created in the same change as its record and deleted with it; a record
 * without one is someone else's, and muster does not touch it (unless take_over adopts it, which
 * it does only for a record set with no ownership record at all).
 */
import { MusterError } from '../core/errors.js';
import { invalidRecord, isRecordType, recordKey } from './record.js';
import type { RecordSet, RecordType } from './types.js';

export const OWNERSHIP_LABEL = '_muster-owner';
const WILDCARD_SUFFIX = '-wildcard';
/** How the previous release spelled a wildcard's "*" inside an ownership name. */
const LEGACY_WILDCARD_LABEL = '_wildcard';
const HERITAGE = 'heritage=muster';
const OWNER_KEY = 'muster/owner';
const RECORD_KEY = 'muster/record';

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
  const wildcard = target.name.startsWith('*.');
  const typeLabel = `${target.type.toLowerCase()}${wildcard ? WILDCARD_SUFFIX : ''}`;
  const ownership = `${OWNERSHIP_LABEL}.${typeLabel}.${wildcard ? target.name.slice(2) : target.name}`;
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
  const label = rest.slice(0, dot);
  const wildcard = label.endsWith(WILDCARD_SUFFIX);
  const type = (wildcard ? label.slice(0, -WILDCARD_SUFFIX.length) : label).toUpperCase();
  const target = rest.slice(dot + 1);
  if (!isRecordType(type) || target === '') return undefined;
  return { name: wildcard ? `*.${target}` : target, type };
}

/** The ownership TXT value of a record set owned by ownerId. */
export function ownershipValue(ownerId: string, target: { name: string; type: RecordType }): string {
  return `${HERITAGE},${OWNER_KEY}=${ownerId},${RECORD_KEY}=${recordField(target)}`;
}

/**
 * The fields of an ownership TXT value, or undefined if it is not muster's format. `record` is
 * missing from values the previous release wrote.
 */
export function parseOwnershipValue(value: string): { owner: string; record?: string } | undefined {
  const fields = value.split(',').map((field) => field.trim());
  if (!fields.includes(HERITAGE)) return undefined;
  const field = (key: string): string | undefined => fields.find((candidate) => candidate.startsWith(`${key}=`))?.slice(key.length + 1);
  const owner = field(OWNER_KEY);
  if (owner === undefined || owner === '') return undefined;
  const record = field(RECORD_KEY);
  return record === undefined ? { owner } : { owner, record };
}

/** The ownership TXT for a record set owned by ownerId; it shares the record's TTL. */
export function ownershipRecord(target: RecordSet, ownerId: string): RecordSet {
  return { name: ownershipName(target), type: 'TXT', ttl: target.ttl, values: [ownershipValue(ownerId, target)] };
}

export type Ownership =
  /** No ownership TXT: someone else made the record (or no record exists). */
  | { kind: 'none' }
  /** A muster ownership TXT naming this owner id; `legacy`: in the previous release's format. */
  | { kind: 'owned'; owner: string; record: RecordSet; legacy: boolean }
  /**
   * A TXT at the ownership name that muster cannot take as the set's ownership: not muster's
   * format, several owners, another record set in its record field, or a legacy value at a name
   * that was ambiguous. `reason` completes "its ownership record <name> …".
   */
  | { kind: 'unreadable'; record: RecordSet; reason: string };

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
      return entry ? ownershipOf(target, entry.record) : { kind: 'none' };
    },
  };
}

function ownershipOf(target: { name: string; type: RecordType }, record: RecordSet): Ownership {
  const unreadable = (reason: string): Ownership => ({ kind: 'unreadable', record, reason });
  const values = record.values.map(parseOwnershipValue);
  if (values.some((value) => value === undefined)) return unreadable("is not in muster's format");
  const parsed = values as { owner: string; record?: string }[];
  const owners = [...new Set(parsed.map((value) => value.owner))];
  const [owner] = owners;
  if (owner === undefined || owners.length > 1) return unreadable(`names several owners (${owners.map((o) => `"${o}"`).join(', ')})`);
  const other = parsed.find((value) => value.record !== undefined && value.record !== recordField(target));
  if (other?.record !== undefined) return unreadable(`stands for ${describeField(other.record)}, not for this record set`);
  const legacy = parsed.some((value) => value.record === undefined);
  if (legacy && target.name.startsWith(`${LEGACY_WILDCARD_LABEL}.`)) {
    return unreadable(
      `was written by the previous release, for which this name stood for both ${target.name} and *.${target.name.slice(LEGACY_WILDCARD_LABEL.length + 1)}, so muster cannot tell which one it owns`,
    );
  }
  return { kind: 'owned', owner, record, legacy };
}

/** "A/node1.example.com.": the record field of an ownership value. */
function recordField(target: { name: string; type: RecordType }): string {
  return `${target.type}/${target.name}`;
}

/** A record field for people: "node1.example.com. A". */
function describeField(field: string): string {
  const slash = field.indexOf('/');
  return slash < 0 ? `"${field}"` : `${field.slice(slash + 1)} ${field.slice(0, slash)}`;
}

/**
 * For a wildcard record set without an ownership record: the ownership TXT the previous release
 * wrote for it, if there is one and it names `ownerId` (it sits at the name a literal
 * _wildcard.<rest> also maps to, so it is read as nobody's; this only explains the conflict).
 */
export function legacyWildcardOwnership(index: OwnershipIndex, target: { name: string; type: RecordType }, ownerId: string): RecordSet | undefined {
  if (!target.name.startsWith('*.')) return undefined;
  const entry = index.records.get(recordKey({ name: `${LEGACY_WILDCARD_LABEL}${target.name.slice(1)}`, type: target.type }));
  const values = entry?.record.values.map(parseOwnershipValue) ?? [];
  return entry && values.length > 0 && values.every((value) => value?.owner === ownerId && value.record === undefined) ? entry.record : undefined;
}
