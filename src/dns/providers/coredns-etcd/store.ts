import { readFile } from 'node:fs/promises';
import { handleWhen, noop, retry as retryPolicy } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { MusterError, describeError } from '../../../core/errors.js';
import type { CorednsEtcdConfig } from './schema.js';

/** A key as read, with the revision that last changed it (the transaction compares against it). */
export interface StoredKey {
  key: string;
  value: string;
  modRevision: string;
}

export type KeyOp = { kind: 'put'; key: string; value: string } | { kind: 'delete'; key: string };

/**
 * The etcd side of the provider: read a prefix at one revision, and commit a batch of puts and
 * deletes as one transaction that succeeds only if none of its keys changed since they were read.
 * Wire errors are translated here, at the client's edge, into MusterErrors naming the endpoints.
 */
export interface SkyDnsStore {
  read(prefix: string): Promise<StoredKey[]>;
  /** false: another writer changed a key first, and nothing was written. */
  commit(ops: readonly KeyOp[], expected: ReadonlyMap<string, string>): Promise<boolean>;
  close(): void;
}

const CALL_TIMEOUT_MS = 10_000;

export async function openStore(config: CorednsEtcdConfig): Promise<SkyDnsStore> {
  const options: IOptions = {
    hosts: [...config.endpoints],
    dialTimeout: CALL_TIMEOUT_MS,
    defaultCallOptions: () => ({ deadline: Date.now() + CALL_TIMEOUT_MS }),
    // Fail over between endpoints once; longer outages are the caller's to retry.
    faultHandling: { host: () => noop, global: retryPolicy(handleWhen(isRecoverableError), { maxAttempts: config.endpoints.length }) },
    ...(await credentials(config)),
  };
  const client = new Etcd3(options);
  const endpoints = config.endpoints.join(', ');
  const translate = (what: string, error: unknown): MusterError => {
    const transient = error instanceof Error && (isRecoverableError(error) || /unavailable|deadline|connect|no leader|timed out/i.test(error.message));
    return new MusterError(`coredns-etcd: ${what} via ${endpoints} failed: ${describeError(error)}`, {
      code: 'DNS_ETCD_CALL_FAILED',
      kind: 'unavailable',
      retryable: transient,
      cause: error,
      hint: transient
        ? 'etcd did not answer: check dns.provider.endpoints and that the etcd cluster CoreDNS reads is up'
        : 'check the etcd server logs; with client-certificate auth, the certificate must be allowed to write under dns.provider.prefix',
    });
  };
  return {
    async read(prefix) {
      try {
        const answer = await client.getAll().prefix(prefix).exec();
        return answer.kvs.map((kv) => ({ key: kv.key.toString('utf8'), value: kv.value.toString('utf8'), modRevision: kv.mod_revision }));
      } catch (error) {
        throw translate(`reading ${prefix}`, error);
      }
    },
    async commit(ops, expected) {
      let txn = client.if(ops[0]?.key ?? '', 'Mod', '==', expected.get(ops[0]?.key ?? '') ?? 0);
      for (const op of ops.slice(1)) txn = txn.and(op.key, 'Mod', '==', expected.get(op.key) ?? 0);
      txn = txn.then(...ops.map((op) => (op.kind === 'put' ? client.put(op.key).value(op.value) : client.delete().key(op.key))));
      try {
        return (await txn.commit()).succeeded;
      } catch (error) {
        throw translate(`a transaction of ${ops.length} changes`, error);
      }
    },
    close: () => client.close(),
  };
}

/** TLS material from the configured files; an unreadable file is a config error naming it. */
async function credentials(config: CorednsEtcdConfig): Promise<Pick<IOptions, 'credentials'>> {
  if (config.ca_file === undefined) return {};
  const read = async (path: string, field: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new MusterError(`coredns-etcd: cannot read dns.provider.${field} ${path}: ${describeError(error)}`, { code: 'DNS_ETCD_TLS_FILE', kind: 'config', cause: error });
    }
  };
  return {
    credentials: {
      rootCertificate: await read(config.ca_file, 'ca_file'),
      ...(config.cert_file === undefined ? {} : { certChain: await read(config.cert_file, 'cert_file') }),
      ...(config.key_file === undefined ? {} : { privateKey: await read(config.key_file, 'key_file') }),
    },
  };
}
