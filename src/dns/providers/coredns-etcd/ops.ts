import { MusterError } from '../../../core/errors.js';
import { describeRecordSet, recordKey, sameRecordSet } from '../../record.js';
import type { RecordChanges, RecordSet, RecordType } from '../../types.js';
import { zoneChanged } from '../../zone-changed.js';
import { checkSupported, encodeValue, isMusterKey, recordSets, valueKey, type StoredValue } from './layout.js';
import type { KeyOp, StoredKey } from './store.js';

/** The key operations of a change set, and what was left alone on purpose (ApplyResult.notes). */
export interface KeyPlan {
  units: KeyOp[][];
  notes: string[];
}

/**
 * The key operations that make etcd hold the changed record sets, planned on a fresh read of the
 * zone. First, every changed set must still be what the plan saw (update: `from`; delete: the set;
 * create: absent), or nothing is written and DNS_ZONE_CHANGED is thrown: computing toward the
 * targets regardless would silently overwrite what another writer did since list() (another
 * cluster's ownership record, say). Then per record set: the keys of its wanted values (put when
 * missing or different) and the other keys of that name and type that muster wrote (deleted:
 * stale values). Keys another tool wrote are never deleted, only reported (layout.ts).
 *
 * Units come in the order that keeps the zone valid between transactions, as Route 53's batches
 * do: sets being deleted first (a CNAME replacing an A record finds the name free), ownership TXTs
 * last among deletes and first among writes (a record never exists without its ownership), and
 * within a set, puts before deletes (an address change never leaves the name without addresses).
 */
export function planKeyOps(changes: RecordChanges, stored: readonly StoredValue[], raw: readonly StoredKey[], prefix: string, zone: string): KeyPlan {
  const targets = new Map<string, { name: string; type: RecordType; set: RecordSet | undefined }>();
  for (const set of changes.delete) targets.set(recordKey(set), { name: set.name, type: set.type, set: undefined });
  for (const { to } of changes.update) targets.set(recordKey(to), { name: to.name, type: to.type, set: to });
  for (const set of changes.create) targets.set(recordKey(set), { name: set.name, type: set.type, set });
  for (const { set } of targets.values()) if (set) checkSupported(set);
  checkUnchanged(changes, stored, zone);
  checkCnameSrv(targets, stored);

  const current = new Map(raw.map((entry) => [entry.key, entry.value]));
  const byTarget = new Map<string, StoredValue[]>();
  for (const value of stored) byTarget.set(recordKey(value), [...(byTarget.get(recordKey(value)) ?? []), value]);

  const notes: string[] = [];
  const removals: { type: RecordType; ops: KeyOp[] }[] = [];
  const writes: { type: RecordType; ops: KeyOp[] }[] = [];
  for (const [id, target] of targets) {
    const wanted = new Map((target.set?.values ?? []).map((value) => [valueKey(prefix, zone, target.name, target.type, value), encodeValue(target.set as RecordSet, value)]));
    const puts: KeyOp[] = [...wanted].filter(([key, json]) => current.get(key) !== json).map(([key, json]) => ({ kind: 'put', key, value: json }));
    const stale = (byTarget.get(id) ?? []).filter((value) => !wanted.has(value.key));
    for (const value of stale.filter((candidate) => !isMusterKey(prefix, zone, candidate))) {
      notes.push(`coredns-etcd: left ${value.key} (${value.name} ${value.type} ${value.value}) in place: another tool wrote it, and muster deletes only keys it wrote`);
    }
    const deletes: KeyOp[] = stale.filter((value) => isMusterKey(prefix, zone, value)).map((value) => ({ kind: 'delete', key: value.key }));
    const ops = [...puts, ...deletes];
    if (ops.length > 0) (target.set ? writes : removals).push({ type: target.type, ops });
  }
  const txtLast = (a: { type: RecordType }, b: { type: RecordType }): number => Number(a.type === 'TXT') - Number(b.type === 'TXT');
  return { units: [...removals.sort(txtLast), ...writes.sort((a, b) => -txtLast(a, b))].map((unit) => unit.ops), notes };
}

/** Throws DNS_ZONE_CHANGED unless every set the changes start from is as stored now. */
function checkUnchanged(changes: RecordChanges, stored: readonly StoredValue[], zone: string): void {
  const sets = new Map(recordSets(stored).map((set) => [recordKey(set), set]));
  const expect = (set: RecordSet): void => {
    const have = sets.get(recordKey(set));
    if (!have || !sameRecordSet(have, set)) throw changed(`expected ${describeRecordSet(set)}, found ${have ? describeRecordSet(have) : 'nothing'}`, zone);
  };
  changes.delete.forEach(expect);
  changes.update.forEach(({ from }) => expect(from));
  for (const set of changes.create) {
    const have = sets.get(recordKey(set));
    if (have) throw changed(`${describeRecordSet(have)} exists`, zone);
  }
}

function changed(what: string, zone: string): MusterError {
  return zoneChanged(`coredns-etcd: ${zone} changed in etcd since muster listed it: ${what}; nothing was written`);
}

/** Splits units into transactions of at most `maxOps` operations, keeping units whole where they fit. */
export function packTransactions(units: readonly KeyOp[][], maxOps: number): KeyOp[][] {
  const transactions: KeyOp[][] = [];
  let current: KeyOp[] = [];
  for (const unit of units) {
    if (current.length > 0 && current.length + unit.length > maxOps) {
      transactions.push(current);
      current = [];
    }
    for (const op of unit) {
      if (current.length === maxOps) {
        transactions.push(current);
        current = [];
      }
      current.push(op);
    }
  }
  if (current.length > 0) transactions.push(current);
  return transactions;
}

/**
 * CNAME and SRV at one name look the same to CoreDNS (host-name entries), so the name's
 * resulting types — what is stored, with the changed sets replaced — may not hold both.
 */
function checkCnameSrv(targets: ReadonlyMap<string, { name: string; type: RecordType; set: RecordSet | undefined }>, stored: readonly StoredValue[]): void {
  const names = new Set([...targets.values()].filter((target) => target.set !== undefined).map((target) => target.name));
  for (const name of names) {
    const types = new Set<RecordType>();
    for (const value of stored) if (value.name === name && !targets.has(recordKey(value))) types.add(value.type);
    for (const target of targets.values()) if (target.name === name && target.set) types.add(target.type);
    if (types.has('CNAME') && types.has('SRV')) {
      throw new MusterError(`coredns-etcd: cannot store both a CNAME and an SRV record at ${name}`, {
        code: 'DNS_COREDNS_UNSUPPORTED',
        kind: 'config',
        hint: 'in the SkyDNS layout both are host-name entries under the name, and CoreDNS would serve each as the other; put them at different names',
      });
    }
  }
}
