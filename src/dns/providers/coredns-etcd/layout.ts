/**
 * The SkyDNS layout CoreDNS's etcd plugin serves, and how muster's record sets map onto it.
 *
 * A name's labels, reversed, are a key path under the prefix, and every value is one key below
 * it holding a JSON "service":
 *
 *     a.b.example.com. A 10.0.0.1      /skydns/com/example/b/a/<id>  {"host":"10.0.0.1","ttl":60}
 *     … AAAA 2001:db8::1               …/<id>                         {"host":"2001:db8::1","ttl":60}
 *     … CNAME target.example.com.      …/<id>                         {"host":"target.example.com.","ttl":60}
 *     … TXT hello                      …/<id>                         {"text":"hello","ttl":60}
 *     … SRV 0 0 2380 m1.example.com.   …/<id>                         {"host":"m1.example.com.","port":2380,"priority":0,"weight":0,"ttl":60}
 *
 * The zone apex's data lives under apex.dns.<zone> (…/example/com/dns/apex/<id>), where CoreDNS
 * looks for it. <id> is a hash of type and value: writing the same value again hits the same key, and a value
 * that is no longer wanted is a key that can be found and deleted (kuberoute never deleted them,
 * so old addresses stayed in DNS). The JSON carries no type; CoreDNS infers it, and so does list():
 * a host that is an IPv4/IPv6 address is A/AAAA, a host name with a port is SRV, a host name
 * without one CNAME, text without a host TXT.
 *
 * What SkyDNS cannot express, and what muster does about it:
 * - CNAME and SRV at one name: CoreDNS answers an SRV query with every host-name entry under the
 *   name, and an A query with a CNAME for each; the two are indistinguishable. Refused.
 * - Wildcards: CoreDNS treats "*" in a *query* as a wildcard over keys, but a "*" key never answers
 *   other names. Refused.
 * - TTL 0: CoreDNS reads 0 as "not set" and answers 300. Refused.
 * - IPv4-mapped IPv6 (::ffff:a.b.c.d): CoreDNS answers it as an A record. Refused.
 * - Lookups match by key prefix, so a query for b.example.com also returns the records of
 *   a.b.example.com (CoreDNS's "special behaviour"). Names that are parents of other names in the
 *   zone therefore answer with their children's data too; keep parents free of data of the same type.
 * - CoreDNS serves SRV priority 0 as 10, and rewrites weights into shares of 100 per priority;
 *   muster stores and lists the values as given.
 * - Keys of other tools stored directly at a name (…/b/a with no id) are read as values of the
 *   parent name (b.example.com.), one of the names CoreDNS answers them at; muster never writes such keys.
 *
 * Which keys are muster's: a key is muster's when it is exactly the key valueKey() computes for
 * the name, type and value it holds (isMusterKey). muster deletes only those. Any other key in a
 * record set muster changes or deletes (kuberoute's, a hand-written one, another tool's a.b
 * stored at …/b/a) is left in place and reported (ApplyResult.notes): it may be some other
 * name's record that CoreDNS merely also answers here. While such a key is there, the set cannot
 * become what muster wants; each sync plans the change again, writes nothing for it, and says why.
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { MusterError } from '../../../core/errors.js';
import { canonicalValue, parseIPv6, recordKey, sortRecordSets, sortValues } from '../../record.js';
import type { RecordSet, RecordType } from '../../types.js';

/** CoreDNS's etcd plugin answers this TTL when a key carries none. */
export const COREDNS_DEFAULT_TTL = 300;

/** The SkyDNS service JSON, as CoreDNS's msg.Service reads it. */
export interface SkyDnsService {
  host?: string;
  port?: number;
  priority?: number;
  weight?: number;
  text?: string;
  ttl?: number;
  mail?: boolean;
}

/** One value as stored: which set it belongs to, and its key. */
export interface StoredValue {
  key: string;
  name: string;
  type: RecordType;
  ttl: number;
  value: string;
}

/** The key path of a name: "a.b.example.com." under "/skydns" is "/skydns/com/example/b/a". */
export function namePath(prefix: string, name: string): string {
  const labels = name.replace(/\.$/, '').split('.').filter((label) => label !== '').reverse();
  return [prefix === '/' ? '' : prefix, ...labels].join('/');
}

/**
 * The key of one value of a record set. Data of the zone apex goes under apex.dns.<zone>: for a
 * query of the zone name CoreDNS looks there first, and otherwise falls back to a prefix lookup
 * of the whole zone, which would answer with every record in it.
 */
export function valueKey(prefix: string, zone: string, name: string, type: RecordType, value: string): string {
  const id = createHash('sha256').update(`${type} ${value}`).digest('hex').slice(0, 16);
  return `${namePath(prefix, name === zone ? `${APEX_LABELS}.${zone}` : name)}/${id}`;
}

const APEX_LABELS = 'apex.dns';

/** Whether muster wrote this key: it sits exactly where valueKey() puts its value. */
export function isMusterKey(prefix: string, zone: string, value: StoredValue): boolean {
  return value.key === valueKey(prefix, zone, value.name, value.type, value.value);
}

/** Values grouped into record sets, as list() shows them; a set's TTL is its lowest (what a resolver would cache). */
export function recordSets(values: readonly StoredValue[]): RecordSet[] {
  const sets = new Map<string, { name: string; type: RecordType; ttl: number; values: string[] }>();
  for (const value of values) {
    const id = recordKey(value);
    const set = sets.get(id) ?? { name: value.name, type: value.type, ttl: value.ttl, values: [] };
    set.ttl = Math.min(set.ttl, value.ttl);
    set.values.push(value.value);
    sets.set(id, set);
  }
  return sortRecordSets([...sets.values()].map((set) => ({ ...set, values: sortValues(set.values) })));
}

/** The JSON CoreDNS reads for one value of a record set; `set` must be supported (checkSupported). */
export function encodeValue(set: RecordSet, value: string): string {
  switch (set.type) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
      return JSON.stringify({ host: value, ttl: set.ttl });
    case 'TXT':
      return JSON.stringify({ text: value, ttl: set.ttl });
    case 'SRV': {
      const [priority, weight, port, target] = value.split(' ');
      return JSON.stringify({ host: target, port: Number(port), priority: Number(priority), weight: Number(weight), ttl: set.ttl });
    }
  }
}

/**
 * One stored key as a record value, or undefined for keys that are no record of a managed type
 * (MX entries, JSON CoreDNS could not read either, names outside the zone).
 */
export function decodeValue(prefix: string, zone: string, key: string, json: string): StoredValue | undefined {
  const keyed = keyName(prefix, key);
  const name = keyed === `${APEX_LABELS}.${zone}` ? zone : keyed;
  if (name === undefined || (name !== zone && !name.endsWith(`.${zone}`))) return undefined;
  let service: SkyDnsService;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    service = parsed;
  } catch {
    return undefined;
  }
  if (service.mail === true) return undefined;
  const ttl = readTtl(service.ttl);
  const typed = typeOf(service);
  if (typed === undefined) return undefined;
  try {
    return { key, name, type: typed.type, ttl, value: canonicalValue(typed.type, typed.value, zone, `${name} ${typed.type}`) };
  } catch {
    // A value record.ts refuses cannot be compared or written back: not one muster can manage.
    return undefined;
  }
}

/** Refuses record sets SkyDNS cannot hold faithfully (see the list at the top). */
export function checkSupported(set: RecordSet): void {
  const refuse = (problem: string, hint: string): never => {
    throw new MusterError(`coredns-etcd: cannot store ${set.name} ${set.type}: ${problem}`, { code: 'DNS_COREDNS_UNSUPPORTED', kind: 'config', hint });
  };
  if (set.name.split('.').includes('*')) refuse('CoreDNS\'s etcd plugin does not serve wildcard records', 'list the names, or use another DNS provider for wildcards');
  if (set.ttl === 0) refuse('CoreDNS reads TTL 0 as "not set" and answers 300', 'use a TTL of at least 1');
  for (const value of set.values) {
    if (set.type === 'AAAA' && isMappedIPv4(value)) refuse(`CoreDNS answers ${value} as an A record`, 'publish the IPv4 address as an A record');
    if (set.type === 'TXT' && value === '') refuse('CoreDNS does not serve an empty TXT value', 'give the TXT record some text');
  }
}

function isMappedIPv4(value: string): boolean {
  const bytes = parseIPv6(value);
  return bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

function typeOf(service: SkyDnsService): { type: RecordType; value: string } | undefined {
  const host = typeof service.host === 'string' ? service.host.trim() : '';
  if (host === '') return typeof service.text === 'string' && service.text !== '' ? { type: 'TXT', value: service.text } : undefined;
  if (isIPv4(host)) return { type: 'A', value: host };
  if (isIPv6(host)) {
    // CoreDNS answers an IPv4-mapped address as A (Go's To4() accepts it); list what it serves.
    return isMappedIPv4(host) ? { type: 'A', value: host.slice(host.lastIndexOf(':') + 1) } : { type: 'AAAA', value: host };
  }
  // SkyDNS host names are absolute, with or without the trailing dot.
  const target = host.endsWith('.') ? host : `${host}.`;
  if (typeof service.port === 'number') return { type: 'SRV', value: `${service.priority ?? 0} ${service.weight ?? 0} ${service.port} ${target}` };
  return { type: 'CNAME', value: target };
}

function readTtl(ttl: unknown): number {
  // CoreDNS's own README writes "ttl":"60"; accept that spelling too.
  const seconds = typeof ttl === 'string' ? Number(ttl) : ttl;
  return typeof seconds === 'number' && Number.isInteger(seconds) && seconds > 0 ? seconds : COREDNS_DEFAULT_TTL;
}

/**
 * The record name a key belongs to: the path without its last segment, the value's id. A key
 * ending in "/" (CoreDNS's README stores zone apex data at "/skydns/local/skydns/") has an empty id.
 */
function keyName(prefix: string, key: string): string | undefined {
  const base = prefix === '/' ? '/' : `${prefix}/`;
  if (!key.startsWith(base)) return undefined;
  const segments = key.slice(base.length).split('/');
  segments.pop();
  if (segments.length === 0 || segments.some((segment) => segment === '')) return undefined;
  return `${segments.reverse().join('.').toLowerCase()}.`;
}
