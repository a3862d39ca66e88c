/**
 * An in-memory zone: the reference provider for unit tests and the contract suite. It is strict
 * where real servers are strict (Route53 rejects a delete whose values do not match, a create of a
 * set that exists, a CNAME beside other data), so a plan bug shows here first.
 */
import type { MusterError } from '../../../core/errors.js';
import { assertCanonical, canonicalZone, describeRecordSet, recordKey, sameRecordSet, sortRecordSets } from '../../record.js';
import type { ApplyResult, DnsProvider, RecordChanges, RecordSet } from '../../types.js';
import { zoneChanged } from '../../zone-changed.js';

export interface MemoryProviderOptions {
  zone: string;
  /** Initial content (canonical). */
  records?: readonly RecordSet[];
  /** Changes per write call, as a real API limits them; default 1000 (Route53's). */
  maxChangesPerCall?: number;
}

export interface MemoryDnsProvider extends DnsProvider {
  /** Write calls made so far (each batch of changes counts one). */
  readonly writeCalls: number;
  /** The zone's content now, sorted. */
  snapshot(): RecordSet[];
}

type Op = { kind: 'delete'; set: RecordSet } | { kind: 'update'; from: RecordSet; to: RecordSet } | { kind: 'create'; set: RecordSet };

export function createMemoryProvider(options: MemoryProviderOptions): MemoryDnsProvider {
  const zone = canonicalZone(options.zone);
  const records = new Map<string, RecordSet>();
  for (const set of options.records ?? []) {
    assertCanonical(set, zone);
    records.set(recordKey(set), set);
  }
  const perCall = options.maxChangesPerCall ?? 1000;
  let writeCalls = 0;

  function applyBatch(ops: readonly Op[]): void {
    // All or nothing per call, like a Route53 change batch or an RFC 2136 UPDATE.
    const next = new Map(records);
    for (const op of ops) {
      if (op.kind === 'create') {
        if (next.has(recordKey(op.set))) throw conflict(`create ${describeRecordSet(op.set)}: the record set already exists`);
        const atName = [...next.values()].filter((set) => set.name === op.set.name);
        if (atName.length > 0 && (op.set.type === 'CNAME' || atName.some((set) => set.type === 'CNAME'))) {
          throw conflict(`create ${describeRecordSet(op.set)}: a CNAME cannot share its name with other records`);
        }
        next.set(recordKey(op.set), op.set);
      } else {
        const from = op.kind === 'delete' ? op.set : op.from;
        const have = next.get(recordKey(from));
        if (!have || !sameRecordSet(have, from)) {
          throw conflict(`${op.kind} ${describeRecordSet(from)}: the zone has ${have ? describeRecordSet(have) : 'no such record set'}`);
        }
        if (op.kind === 'delete') next.delete(recordKey(from));
        else next.set(recordKey(op.to), op.to);
      }
    }
    records.clear();
    for (const [key, set] of next) records.set(key, set);
  }

  return {
    type: 'memory',
    zone,
    get writeCalls() {
      return writeCalls;
    },
    snapshot: () => sortRecordSets(records.values()),
    // Promises that reject (not functions that throw), as every real provider's do.
    list(signal) {
      return new Promise((resolve) => {
        signal?.throwIfAborted();
        resolve(sortRecordSets(records.values()));
      });
    },
    apply(changes, signal) {
      return new Promise((resolve) => resolve(applyNow(changes, signal)));
    },
  };

  function applyNow(changes: RecordChanges, signal: AbortSignal | undefined): ApplyResult {
    signal?.throwIfAborted();
    const ops: Op[] = [
      ...changes.delete.map((set): Op => ({ kind: 'delete', set })),
      ...changes.update.map(({ from, to }): Op => ({ kind: 'update', from, to })),
      ...changes.create.map((set): Op => ({ kind: 'create', set })),
    ];
    for (const op of ops) {
      if (op.kind === 'update') {
        assertCanonical(op.to, zone);
        if (recordKey(op.from) !== recordKey(op.to)) throw conflict(`update ${describeRecordSet(op.from)}: an update cannot change the name or type`);
      } else assertCanonical(op.set, zone);
    }
    let calls = 0;
    for (let i = 0; i < ops.length; i += perCall) {
      applyBatch(ops.slice(i, i + perCall));
      calls++;
      writeCalls++;
    }
    return { writeCalls: calls };
  }
}

function conflict(message: string): MusterError {
  return zoneChanged(`memory DNS provider: ${message}`);
}
