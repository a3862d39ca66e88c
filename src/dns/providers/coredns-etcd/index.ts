import { MusterError, isMusterError } from '../../../core/errors.js';
import { retry } from '../../../core/retry.js';
import { canonicalZone, recordKey, sortRecordSets, sortValues } from '../../record.js';
import type { ApplyResult, DnsProvider, RecordChanges, RecordSet } from '../../types.js';
import { decodeValue, namePath, type StoredValue } from './layout.js';
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
    list: (signal) => withStore(signal, async (store) => toRecordSets((await readZone(store)).values)),
    async apply(changes: RecordChanges, signal?: AbortSignal): Promise<ApplyResult> {
      // A no-op sync does not even connect.
      if (changes.create.length + changes.update.length + changes.delete.length === 0) return { writeCalls: 0 };
      return withStore(signal, async (store) => {
        let writeCalls = 0;
        // A conflict (another writer changed a key between read and commit) commits nothing;
        // read again and recompute: the targets are absolute, so committed work is not redone.
        await retry(
          async () => {
            signal?.throwIfAborted();
            const { raw, values } = await readZone(store);
            const expected = new Map(raw.map((entry) => [entry.key, entry.modRevision]));
            for (const ops of packTransactions(planKeyOps(changes, values, raw, prefix, zone), options.maxTxnOps ?? MAX_TXN_OPS)) {
              if (!(await store.commit(ops, expected))) throw conflict(zonePrefix);
              writeCalls++;
            }
          },
          { what: `coredns-etcd: writing ${zonePrefix}`, timeoutMs: 30_000, initialDelayMs: 50, maxDelayMs: 1000, isRetryable: (error) => isMusterError(error) && error.retryable },
        );
        return { writeCalls };
      });
    },
  };
}

/** Values grouped into record sets; a set's TTL is its lowest (what a resolver would cache). */
function toRecordSets(values: readonly StoredValue[]): RecordSet[] {
  const sets = new Map<string, { name: string; type: RecordSet['type']; ttl: number; values: string[] }>();
  for (const value of values) {
    const id = recordKey(value);
    const set = sets.get(id) ?? { name: value.name, type: value.type, ttl: value.ttl, values: [] };
    set.ttl = Math.min(set.ttl, value.ttl);
    set.values.push(value.value);
    sets.set(id, set);
  }
  return sortRecordSets([...sets.values()].map((set) => ({ ...set, values: sortValues(set.values) })));
}

function conflict(zonePrefix: string): MusterError {
  return new MusterError(`coredns-etcd: keys under ${zonePrefix} changed while muster was writing them`, {
    code: 'DNS_ETCD_CONFLICT',
    kind: 'unavailable',
    retryable: true,
    hint: 'another writer is changing the same records; muster re-reads and retries',
  });
}
