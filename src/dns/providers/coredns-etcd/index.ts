import type { MusterError } from '../../../core/errors.js';
import { canonicalZone } from '../../record.js';
import type { ApplyResult, DnsProvider, RecordChanges } from '../../types.js';
import { zoneChanged } from '../../zone-changed.js';
import { decodeValue, namePath, recordSets, type StoredValue } from './layout.js';
import { packTransactions, planKeyOps } from './ops.js';
import type { CorednsEtcdConfig } from './schema.js';
import { openStore, type SkyDnsStore, type StoredKey } from './store.js';

export { corednsEtcdSchema, type CorednsEtcdConfig } from './schema.js';

/**
 * etcd refuses a transaction with more than --max-txn-ops operations (default 128), counting
 * compares and operations separately; every operation here has one compare.
 */
export const MAX_TXN_OPS = 128;

export interface CorednsEtcdProviderOptions {
  /** For etcd servers started with a different --max-txn-ops. */
  maxTxnOps?: number;
}

/**
 * Records for CoreDNS's etcd plugin, in the SkyDNS layout (layout.ts). Loaded lazily by the
 * registry, so etcd3 is only imported when the configured DNS provider is coredns-etcd. Each
 * list() and apply() opens its own client: nothing stays connected between syncs.
 */
export function createCorednsEtcdProvider(config: CorednsEtcdConfig & { zone: string }, options: CorednsEtcdProviderOptions = {}): DnsProvider {
  const zone = canonicalZone(config.zone);
  const prefix = config.prefix.replace(/(.)\/+$/, '$1');
  // The trailing slash keeps example.com's prefix from matching keys of anotherexample.com.
  const zonePrefix = `${namePath(prefix, zone)}/`;

  async function withStore<T>(signal: AbortSignal | undefined, work: (store: SkyDnsStore) => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    const store = await openStore(config);
    try {
      return await work(store);
    } finally {
      store.close();
    }
  }

  async function readZone(store: SkyDnsStore): Promise<{ raw: StoredKey[]; values: StoredValue[] }> {
    const raw = await store.read(zonePrefix);
    const values = raw.map((entry) => decodeValue(prefix, zone, entry.key, entry.value)).filter((value) => value !== undefined);
    return { raw, values };
  }

  return {
    type: 'coredns-etcd',
    zone,
    list: (signal) => withStore(signal, async (store) => recordSets((await readZone(store)).values)),
    async apply(changes: RecordChanges, signal?: AbortSignal): Promise<ApplyResult> {
      // A no-op sync does not even connect.
      if (changes.create.length + changes.update.length + changes.delete.length === 0) return { writeCalls: 0 };
      return withStore(signal, async (store) => {
        // The changes are checked against this read (planKeyOps), and each transaction commits only
        // if none of its keys changed since: a concurrent writer makes the apply fail with
        // DNS_ZONE_CHANGED, never overwritten, and the DNS step lists and plans again.
        const { raw, values } = await readZone(store);
        const { units, notes } = planKeyOps(changes, values, raw, prefix, zone);
        const expected = new Map(raw.map((entry) => [entry.key, entry.modRevision]));
        const transactions = packTransactions(units, options.maxTxnOps ?? MAX_TXN_OPS);
        let writeCalls = 0;
        for (const ops of transactions) {
          signal?.throwIfAborted();
          if (!(await store.commit(ops, expected))) throw conflict(zonePrefix, writeCalls, transactions.length);
          writeCalls++;
        }
        return notes.length === 0 ? { writeCalls } : { writeCalls, notes };
      });
    },
  };
}

function conflict(zonePrefix: string, committed: number, total: number): MusterError {
  const applied = committed === 0 ? 'nothing was written' : `${committed} of ${total} transactions were committed before it`;
  return zoneChanged(`coredns-etcd: keys under ${zonePrefix} changed while muster was writing them; ${applied}`);
}
