import { getServers, type SrvRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { formatDuration } from '../../core/duration.js';
import { MusterError, describeError } from '../../core/errors.js';

export interface LookupOptions {
  /** The configured resolvers; undefined: the system's (Node's default, from /etc/resolv.conf). */
  servers: readonly string[] | undefined;
  /** Deadline of one lookup, every try and server included; muster cancels the query then. */
  timeoutMs: number;
  /** c-ares' tries: how many times each server is asked. */
  tries: number;
  signal?: AbortSignal | undefined;
}

export type RecordType = 'SRV' | 'A' | 'AAAA';
type Answer<T extends RecordType> = T extends 'SRV' ? SrvRecord[] : string[];

/** What a lookup found: the records, or that there are none (NXDOMAIN or NODATA). Every other outcome throws. */
export type LookupResult<T extends RecordType> = { found: true; records: Answer<T> } | { found: false; nxdomain: boolean };

/**
 * One DNS query through a Resolver of its own (so a deadline can cancel just this query) that
 * asks only the configured servers, never the system's unless none are configured. NXDOMAIN and
 * NODATA are answers ("none"); timeouts, SERVFAIL, REFUSED and unreachable servers are retryable
 * MusterErrors naming the servers and the name.
 */
export async function lookup<T extends RecordType>(type: T, name: string, options: LookupOptions): Promise<LookupResult<T>> {
  options.signal?.throwIfAborted();
  const serverCount = options.servers?.length ?? Math.max(1, getServers().length);
  // c-ares (1.34, in Node 20) waits about twice its `timeout` on a try, and longer on later
  // rounds: share the deadline out so every try of every server fits, and enforce the deadline
  // ourselves anyway, since c-ares' own arithmetic is not a promise.
  const resolver = new Resolver({ timeout: Math.max(50, Math.floor(options.timeoutMs / (2 * options.tries * serverCount))), tries: options.tries });
  if (options.servers) resolver.setServers([...options.servers]);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    resolver.cancel();
  }, options.timeoutMs);
  const onAbort = (): void => resolver.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return { found: true, records: (await query(resolver, type, name)) as Answer<T> };
  } catch (error) {
    options.signal?.throwIfAborted();
    const code = timedOut ? 'ETIMEOUT' : dnsErrorCode(error);
    if (code === 'ENOTFOUND' || code === 'ENODATA') return { found: false, nxdomain: code === 'ENOTFOUND' };
    throw lookupError({ type, name, servers: describeServers(options.servers, resolver), code, timeoutMs: options.timeoutMs, cause: error });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function query(resolver: Resolver, type: RecordType, name: string): Promise<SrvRecord[] | string[]> {
  switch (type) {
    case 'SRV':
      return resolver.resolveSrv(name);
    case 'A':
      return resolver.resolve4(name);
    case 'AAAA':
      return resolver.resolve6(name);
  }
}

function dnsErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The servers a lookup asked, for messages: the configured ones, or the system's, said so. */
export function describeServers(servers: readonly string[] | undefined, resolver: Pick<Resolver, 'getServers'> = { getServers }): string {
  if (servers) return servers.join(', ');
  const system = resolver.getServers();
  return `the system resolvers (${system.length > 0 ? system.join(', ') : 'none in /etc/resolv.conf'})`;
}

const SERVERS_HINT = 'check platform.servers (default: the system resolvers from /etc/resolv.conf)';

/** A failed lookup as a MusterError: retryable unless the name itself is malformed. */
export function lookupError(failure: { type: RecordType; name: string; servers: string; code: string; timeoutMs: number; cause?: unknown }): MusterError {
  const { type, name, servers, code } = failure;
  const what = `dns-srv: ${type} lookup of ${name} on ${servers}`;
  const base = { kind: 'unavailable' as const, retryable: true, cause: failure.cause };
  switch (code) {
    case 'ETIMEOUT':
      return new MusterError(`${what} got no answer within ${formatDuration(failure.timeoutMs)}`, {
        ...base,
        code: 'DNS_SRV_TIMEOUT',
        hint: `the server did not answer: check that it runs and that this node reaches it on UDP and TCP port 53 (or the port given), ${SERVERS_HINT}, or raise platform.resolve_timeout; muster retries`,
      });
    case 'ECONNREFUSED':
      return new MusterError(`${what} failed: connection refused`, {
        ...base,
        code: 'DNS_SRV_UNREACHABLE',
        hint: `nothing listens for DNS at that address and port: ${SERVERS_HINT}; muster retries`,
      });
    case 'ESERVFAIL':
      return new MusterError(`${what} failed: SERVFAIL`, {
        ...base,
        code: 'DNS_SRV_SERVFAIL',
        hint: 'the server could not answer for this name (its zone failed to load, an authoritative server is unreachable, or DNSSEC validation failed); see the server\'s log; muster retries',
      });
    case 'EREFUSED':
      return new MusterError(`${what} failed: REFUSED`, {
        ...base,
        code: 'DNS_SRV_REFUSED',
        hint: `the server refuses this query: it is not authoritative for the zone and does not recurse for this node; ${SERVERS_HINT} to name a server that answers for the zone; muster retries`,
      });
    case 'EBADNAME':
      return new MusterError(`dns-srv: ${name} is not a name a ${type} lookup can ask for`, {
        code: 'DNS_SRV_BAD_NAME',
        kind: 'config',
        hint: 'check platform.name or platform.domain (and the SRV targets published there)',
        cause: failure.cause,
      });
    default:
      return new MusterError(`${what} failed: ${describeError(failure.cause)}`, {
        ...base,
        code: 'DNS_SRV_LOOKUP_FAILED',
        hint: `${SERVERS_HINT}; muster retries`,
      });
  }
}
