/**
 * Turns a change set into RFC 2136 UPDATE messages. Each change brings prerequisites that make
 * the server apply it only to the zone muster planned against (§2.4):
 *   create  → "RRset does not exist"                     → add the records
 *   update  → "RRset exists with exactly these values"    → delete the RRset, add the new records
 *   delete  → "RRset exists with exactly these values"    → delete the RRset
 * TXT sets of other tools use "RRset exists" without values: another tool may split its text into
 * character-strings differently than muster would, so their exact wire form cannot be predicted,
 * and a value-dependent prerequisite would fail on every run. muster's own ownership TXTs are
 * pinned by value like other types: muster wrote them, with the same encoder every time (a value
 * longer than 255 bytes split into 255-byte strings, rdata.ts), so their wire form is known, and
 * another owner's edit between list and apply makes the server refuse the message (NXRRSET)
 * instead of muster overwriting it.
 * A server applies a message all or nothing. A record set and its ownership TXT always travel in
 * the same message, so a crash between messages never leaves a record without its owner.
 * Messages are filled up to a byte budget (TCP allows 65535); deletions go first, so a CNAME can
 * replace other records at its name.
 */
import { isOwnershipRecord, ownershipTarget } from '../../ownership.js';
import { recordKey } from '../../record.js';
import type { RecordChanges, RecordSet } from '../../types.js';
import { CLASS, OPCODE, nameSize, opcodeFlags, recordSize, type Message, type ResourceRecord } from './message.js';
import { TYPE_CODES, encodeRdata } from './rdata.js';

export const DEFAULT_MESSAGE_BUDGET = 60_000;

interface Group {
  key: string;
  phase: number;
  prerequisites: ResourceRecord[];
  updates: ResourceRecord[];
  size: number;
}

export function buildUpdateMessages(changes: RecordChanges, zone: string, budget: number): Omit<Message, 'id'>[] {
  const groups = new Map<string, Group>();
  const add = (set: RecordSet, phase: number, prerequisites: ResourceRecord[], updates: ResourceRecord[]): void => {
    const target = isOwnershipRecord(set) ? ownershipTarget(set.name) : undefined;
    const key = recordKey(target ?? set);
    const group = groups.get(key) ?? { key, phase, prerequisites: [], updates: [], size: 0 };
    group.phase = Math.min(group.phase, phase);
    group.prerequisites.push(...prerequisites);
    group.updates.push(...updates);
    group.size += [...prerequisites, ...updates].reduce((sum, rr) => sum + recordSize(rr), 0);
    groups.set(key, group);
  };
  for (const set of changes.delete) add(set, 0, exists(set), [deleteRRset(set)]);
  for (const { from, to } of changes.update) add(to, 1, exists(from), [deleteRRset(from), ...records(to, CLASS.IN, to.ttl)]);
  for (const set of changes.create) add(set, 2, [absent(set)], records(set, CLASS.IN, set.ttl));

  const ordered = [...groups.values()].sort((a, b) => a.phase - b.phase || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const base = 12 + nameSize(zone) + 4;
  const messages: Group[][] = [];
  let current: Group[] = [];
  let size = base;
  for (const group of ordered) {
    if (current.length > 0 && size + group.size > budget) {
      messages.push(current);
      current = [];
      size = base;
    }
    current.push(group);
    size += group.size;
  }
  if (current.length > 0) messages.push(current);
  return messages.map((message) => ({
    flags: opcodeFlags(OPCODE.UPDATE),
    questions: [{ name: zone, type: TYPE_CODES.SOA, class: CLASS.IN }],
    answers: message.flatMap((group) => group.prerequisites),
    authorities: message.flatMap((group) => group.updates),
    additionals: [],
  }));
}

function records(set: RecordSet, klass: number, ttl: number): ResourceRecord[] {
  return set.values.map((value) => ({ name: set.name, type: TYPE_CODES[set.type], class: klass, ttl, rdata: encodeRdata(set.type, value) }));
}

const empty = Buffer.alloc(0);

function exists(set: RecordSet): ResourceRecord[] {
  if (set.type === 'TXT' && !isOwnershipRecord(set)) {
    return [{ name: set.name, type: TYPE_CODES.TXT, class: CLASS.ANY, ttl: 0, rdata: empty }];
  }
  return records(set, CLASS.IN, 0);
}

function absent(set: RecordSet): ResourceRecord {
  return { name: set.name, type: TYPE_CODES[set.type], class: CLASS.NONE, ttl: 0, rdata: empty };
}

function deleteRRset(set: RecordSet): ResourceRecord {
  return { name: set.name, type: TYPE_CODES[set.type], class: CLASS.ANY, ttl: 0, rdata: empty };
}
