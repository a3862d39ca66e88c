import { handleWhen, noop, retry as retryPolicy } from 'cockatiel';
import { Etcd3, EtcdLeaseInvalidError, isRecoverableError, type IOptions, type Lease, type Watcher } from 'etcd3';
import { MusterError, describeError } from '../core/errors.js';
import type { TlsMaterial } from '../etcd/tls.js';

export interface RegistryClientOptions {
  endpoints: readonly string[];
  callTimeoutMs: number;
  tls?: TlsMaterial;
}

/** A key as read, with the revisions that identify its incarnation. */
export interface StoredKey {
  key: string;
  value: string;
  createRevision: string;
  modRevision: string;
}

export type WatchedChange = { kind: 'put'; kv: StoredKey } | { kind: 'delete'; key: string; revision: string };

/**
 * The etcd operations the agent needs (leases, keys on them, a prefix read and watch, a
 * create-if-absent transaction), on the etcd3 client, with wire errors turned into MusterErrors
 * that name the endpoints. Streams (watch, keepalive) get no deadline; single calls do.
 */
export class RegistryClient {
  private readonly client: Etcd3;
  readonly endpoints: readonly string[];

  constructor(options: RegistryClientOptions) {
    this.endpoints = options.endpoints;
    const config: IOptions = {
      hosts: [...options.endpoints],
      dialTimeout: options.callTimeoutMs,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + options.callTimeoutMs }),
      faultHandling: {
        host: () => noop,
        global: retryPolicy(handleWhen(isRecoverableError), { maxAttempts: options.endpoints.length }),
      },
      ...(options.tls ? { credentials: { rootCertificate: options.tls.ca, privateKey: options.tls.key, certChain: options.tls.cert } } : {}),
    };
    this.client = new Etcd3(config);
  }

  /** A lease nobody keeps alive but the caller (keepalive()), so the interval is the caller's. */
  async grantLease(ttlSeconds: number): Promise<Lease> {
    const lease = this.client.lease(ttlSeconds, { autoKeepAlive: false });
    // A lease that fails to be granted emits 'lost' as well; the rejected grant() says it here.
    lease.on('lost', () => undefined);
    await this.call(`grant a ${ttlSeconds}s lease`, () => lease.grant());
    return lease;
  }

  async leaseId(lease: Lease): Promise<string> {
    return lease.grant();
  }

  /** 'expired' when etcd says the lease is gone (its TTL passed, or it was revoked). */
  async keepalive(lease: Lease, timeoutMs: number): Promise<'alive' | 'expired'> {
    try {
      await lease.keepaliveOnce({ deadline: Date.now() + timeoutMs });
      return 'alive';
    } catch (error) {
      if (error instanceof EtcdLeaseInvalidError) return 'expired';
      throw this.translate('keep the lease alive', error);
    }
  }

  async putOnLease(lease: Lease, key: string, value: string): Promise<void> {
    const id = await lease.grant();
    await this.call(`write ${key}`, () => this.client.put(key).value(value).lease(id).exec());
  }

  /** Revokes the lease: etcd deletes its keys at once. An expired lease is already revoked. */
  async revoke(lease: Lease): Promise<void> {
    await this.call('revoke the lease', () => lease.revoke());
  }

  async get(key: string): Promise<string | null> {
    return this.call(`read ${key}`, () => this.client.get(key).string());
  }

  async deleteKey(key: string): Promise<void> {
    await this.call(`delete ${key}`, () => this.client.delete().key(key).exec());
  }

  /** Every key under the prefix, and the revision the read was made at. */
  async readPrefix(prefix: string): Promise<{ revision: string; keys: StoredKey[] }> {
    const response = await this.call(`read ${prefix}`, () => this.client.getAll().prefix(prefix).exec());
    return { revision: response.header.revision, keys: response.kvs.map(toStoredKey) };
  }

  /**
   * `key` = `value` on the lease if the key does not exist; true when it now holds `value`
   * (created now, or earlier by this same holder).
   */
  async createOnLease(lease: Lease, key: string, value: string): Promise<boolean> {
    const id = await lease.grant();
    const response = await this.call(`create ${key}`, () =>
      this.client
        .if(key, 'Create', '==', 0)
        .then({ request_put: { key: Buffer.from(key), value: Buffer.from(value), lease: id } })
        .else({ request_range: { key: Buffer.from(key) } })
        .commit(),
    );
    if (response.succeeded) return true;
    const held = response.responses[0]?.response_range?.kvs[0];
    return held !== undefined && held.value.toString() === value && held.lease === id;
  }

  /** Writes `key` only while `guardKey` holds `guardValue`: a deposed leader's write is refused. */
  async putIf(guardKey: string, guardValue: string, key: string, value: string): Promise<boolean> {
    const response = await this.call(`write ${key}`, () => this.client.if(guardKey, 'Value', '==', guardValue).then(this.client.put(key).value(value)).commit());
    return response.succeeded;
  }

  /** Watches the prefix from `fromRevision` on; changes arrive in revision order. */
  async watchPrefix(prefix: string, fromRevision: string, onChanges: (changes: WatchedChange[]) => void, onError: (error: MusterError) => void): Promise<Watcher> {
    const watcher = await this.call(`watch ${prefix}`, () => this.client.watch().prefix(prefix).startRevision(fromRevision).create());
    watcher.on('data', (response) => {
      const changes = response.events.map((event): WatchedChange =>
        event.type === 'Delete' ? { kind: 'delete', key: event.kv.key.toString(), revision: event.kv.mod_revision } : { kind: 'put', kv: toStoredKey(event.kv) },
      );
      if (changes.length > 0) onChanges(changes);
    });
    watcher.on('error', (error) => onError(this.translate(`watch ${prefix}`, error)));
    return watcher;
  }

  close(): void {
    this.client.close();
  }

  private async call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.translate(what, error);
    }
  }

  private translate(what: string, error: unknown): MusterError {
    if (error instanceof MusterError) return error;
    return new MusterError(`etcd ${what} via ${this.endpoints.join(', ')}: ${describeError(error)}`, {
      code: 'AGENT_ETCD_FAILED',
      kind: 'unavailable',
      retryable: true,
      cause: error,
      hint: 'the agent keeps retrying; check that etcd answers on the endpoints named (etcdctl endpoint health), or set agent.endpoints',
    });
  }
}

function toStoredKey(kv: { key: Buffer; value: Buffer; create_revision: string; mod_revision: string }): StoredKey {
  return { key: kv.key.toString(), value: kv.value.toString(), createRevision: kv.create_revision, modRevision: kv.mod_revision };
}
