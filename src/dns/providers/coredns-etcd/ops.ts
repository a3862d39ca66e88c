import { MusterError } from '../../../core/errors.js';
import { recordKey } from '../../record.js';
import type { RecordChanges, RecordSet, RecordType } from '../../types.js';
import { checkSupported, encodeValue, valueKey, type StoredValue } from './layout.js';
import type { KeyOp, StoredKey } from './store.js';

/**
 * The key operations that make etcd hold the changed record sets: per record set, the keys of
 * its wanted values (put when missing or different) and every other key of that name and type
 * (deleted: stale values, whoever wrote them). Sets in `changes` are targets, not diffs, so a retry
 * after a partial apply simply finds less to do.
 *
 * Units come in the order that keeps the zone valid between transactions, as Route 53's batches
 * do: sets being deleted first (a CNAME replacing an A record finds the name free), ownership TXTs
 * last among deletes and first among writes (a record never exists without its ownership), and
 * within a set, puts before deletes (an address change never leaves the name without addresses).
 */
export function planKeyOps(changes: RecordChanges, stored: readonly StoredValue[], raw: readonly StoredKey[], prefix: string, zone: string): KeyOp[][] {
  const targets = new Map<string, { name: string; type: RecordType; set: RecordSet | undefined }>();
  for (const set of changes.delete) targets.set(recordKey(set), { name: set.name, type: set.type, set: undefined });
  for (const { to } of changes.update) targets.set(recordKey(to), { name: to.name, type: to.type, set: to });
  for (const set of changes.create) targets.set(recordKey(set), { name: set.name, type: set.type, set });
  for (const { set } of targets.values()) if (set) checkSupported(set);
  checkCnameSrv(targets, stored);

  const current = new Map(raw.map((entry) => [entry.key, entry.value]));
  const byTarget = new Map<string, StoredValue[]>();
  for (const value of stored) byTarget.set(recordKey(value), [...(byTarget.get(recordKey(value)) ?? []), value]);

  const removals: { type: RecordType; ops: KeyOp[] }[] = [];
  const writes: { type: RecordType; ops: KeyOp[] }[] = [];
  for (const [id, target] of targets) {
    const wanted = new Map((target.set?.values ?? []).map((value) => [valueKey(prefix, zone, target.name, target.type, value), encodeValue(target.set as RecordSet, value)]));
    const puts: KeyOp[] = [...wanted].filter(([key, json]) => current.get(key) !== json).map(([key, json]) => ({ kind: 'put', key, value: json }));
    const deletes: KeyOp[] = (byTarget.get(id) ?? []).filter((value) => !wanted.has(value.key)).map((value) => ({ kind: 'delete', key: value.key }));
    const ops = [...puts, ...deletes];
    if (ops.length > 0) (target.set ? writes : removals).push({ type: target.type, ops });
  }
  const txtLast = (a: { type: RecordType }, b: { type: RecordType }): number => Number(a.type === 'TXT') - Number(b.type === 'TXT');
  return [...removals.sort(txtLast), ...writes.sort((a, b) => -txtLast(a, b))].map((unit) => unit.ops);
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
