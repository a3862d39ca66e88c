/**
 * The rfc2136 provider: any server that takes RFC 2136 dynamic updates (BIND, Knot, PowerDNS,
 * Windows DNS) signed with TSIG (RFC 8945). The zone is read with a signed AXFR and changed with
 * signed UPDATE messages, both over TCP; many changes travel in one message.
 */
import { MusterError } from '../../../core/errors.js';
import { canonicalRecordSet, canonicalZone, recordKey, sortRecordSets } from '../../record.js';
import type { ApplyResult, DnsProvider, RecordChanges, RecordSet } from '../../types.js';
import { transferZone } from './axfr.js';
import type { ExchangeContext } from './errors.js';
import { startExchange } from './exchange.js';
import { CLASS, type ResourceRecord } from './message.js';
import { managedType } from './rdata.js';
import { parseServer, type Rfc2136Config } from './schema.js';
import { readSecretFile } from './secret.js';
import { TcpChannel, endpointLabel, type Endpoint } from './transport.js';
import { tsigSize, type TsigKey } from './tsig.js';
import { DEFAULT_MESSAGE_BUDGET, buildUpdateMessages } from './update.js';

/** Knobs for tests. */
export interface Rfc2136ProviderOptions {
  /** Bytes per UPDATE message before it is split; tests lower it to get several messages. */
  maxMessageBytes?: number;
  /** Called after each UPDATE message the server accepted; tests throw here to simulate a crash. */
  afterMessage?: (index: number) => void;
  /** Clock in seconds, for TSIG. */
  now?: () => number;
}

/** `config.zone` is dns.zone; `config.tsig.secret_file` is read as given (not under root: muster only reads it). */
export function createRfc2136Provider(config: Rfc2136Config & { zone: string }, options: Rfc2136ProviderOptions = {}): DnsProvider {
  const zone = canonicalZone(config.zone);
  const endpoint = parseServer(config.server) as Endpoint; // the schema checked it
  const server = endpointLabel(endpoint);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const budget = options.maxMessageBytes ?? DEFAULT_MESSAGE_BUDGET;
  const keyName = config.tsig.name.endsWith('.') ? config.tsig.name.toLowerCase() : `${config.tsig.name.toLowerCase()}.`;
  let key: Promise<TsigKey> | undefined;
  const loadKey = (): Promise<TsigKey> => (key ??= readKey(config, keyName));
  const ctx = (what: ExchangeContext['what']): ExchangeContext => ({ server, zone, keyName, what });

  return {
    type: 'rfc2136',
    zone,
    async list(signal) {
      const tsig = await loadKey();
      const channel = await TcpChannel.open(endpoint, config.timeout, signal);
      try {
        return toRecordSets(await transferZone(channel, zone, tsig, ctx('transfer'), now), zone);
      } finally {
        channel.close();
      }
    },
    async apply(changes: RecordChanges, signal): Promise<ApplyResult> {
      if (changes.create.length + changes.update.length + changes.delete.length === 0) return { writeCalls: 0 };
      const tsig = await loadKey();
      const messages = buildUpdateMessages(changes, zone, budget - tsigSize(tsig));
      const channel = await TcpChannel.open(endpoint, config.timeout, signal);
      let writeCalls = 0;
      try {
        for (const [index, message] of messages.entries()) {
          signal?.throwIfAborted();
          await startExchange(channel, message, tsig, ctx('update'), now).next();
          writeCalls++;
          options.afterMessage?.(index);
        }
      } finally {
        channel.close();
      }
      return { writeCalls };
    },
  };
}

async function readKey(config: Rfc2136Config, keyName: string): Promise<TsigKey> {
  const file = await readSecretFile(config.tsig.secret_file);
  const mismatch = (what: string, declared: string, configured: string): MusterError =>
    new MusterError(`rfc2136 DNS provider: ${config.tsig.secret_file} declares key ${what} ${declared}, but dns.provider.tsig says ${configured}`, {
      code: 'DNS_TSIG_CONFIG_MISMATCH',
      kind: 'config',
      hint: 'make dns.provider.tsig.name and algorithm match the key block in the secret file',
    });
  if (file.name !== undefined && `${file.name.toLowerCase().replace(/\.$/, '')}.` !== keyName) throw mismatch('name', file.name, config.tsig.name);
  if (file.algorithm !== undefined && file.algorithm !== config.tsig.algorithm) throw mismatch('algorithm', file.algorithm, config.tsig.algorithm);
  return { name: keyName, algorithm: config.tsig.algorithm, secret: file.secret };
}

/**
 * Record sets of managed types. A name muster cannot represent (escaped bytes, say) is not one muster
 * wrote, and is left out rather than failing the whole listing.
 */
function toRecordSets(records: readonly ResourceRecord[], zone: string): RecordSet[] {
  const groups = new Map<string, { name: string; type: string; ttl: number; values: string[] }>();
  for (const rr of records) {
    const type = managedType(rr.type);
    if (!type || rr.class !== CLASS.IN || rr.value === undefined) continue;
    const name = rr.name.toLowerCase();
    const key = recordKey({ name, type });
    const group = groups.get(key) ?? { name, type, ttl: rr.ttl, values: [] };
    group.values.push(rr.value);
    groups.set(key, group);
  }
  const sets: RecordSet[] = [];
  for (const group of groups.values()) {
    try {
      sets.push(canonicalRecordSet(group, zone));
    } catch {
      // not representable in muster's model: someone else's record, never touched
    }
  }
  return sortRecordSets(sets);
}
