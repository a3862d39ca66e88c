import { isIP } from 'node:net';
import * as z from 'zod';
import { duration, ipAddress } from '../../config/common.js';

/** etcd-bootstrap's default --srv-service. */
export const DEFAULT_SERVICE = 'etcd-bootstrap';

/** A DNS name of letters, digits, hyphens and underscores (`_etcd-server._tcp.example.com`), a trailing dot allowed. */
const DNS_NAME = /^(?=.{1,253}\.?$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;
const SERVICE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

const dnsName = z.string().refine((value) => DNS_NAME.test(value), { message: 'not a DNS name (labels of letters, digits, - and _, separated by dots)' });

/**
 * A resolver address as Node's Resolver#setServers takes it: `ip`, `ip:port`, `[ipv6]` or
 * `[ipv6]:port` (a bare IPv6 address too). Only addresses: the resolver is what turns names into
 * addresses, so it cannot itself be named.
 */
export function parseResolverAddress(server: string): { ip: string; port: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(server);
  if (bracketed) return isIP(bracketed[1] ?? '') === 6 ? withPort(bracketed[1] ?? '', bracketed[2]) : undefined;
  if (isIP(server) !== 0) return { ip: server, port: 53 };
  const match = /^([^:]+):(\d{1,5})$/.exec(server);
  if (!match || isIP(match[1] ?? '') !== 4) return undefined;
  return withPort(match[1] ?? '', match[2]);
}

function withPort(ip: string, port: string | undefined): { ip: string; port: number } | undefined {
  const n = port === undefined ? 53 : Number(port);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? { ip, port: n } : undefined;
}

export const dnsSrvPlatformSchema = z
  .strictObject({
    type: z.literal('dns-srv'),
    name: dnsName
      .optional()
      .describe('The SRV name to look up, in full, e.g. _etcd-server._tcp.example.com. Give this or domain, not both.'),
    domain: dnsName
      .optional()
      .describe('etcd-bootstrap\'s --srv-domain-name: the SRV name is _<service>._tcp.<domain>. Give this or name, not both.'),
    service: z
      .string()
      .refine((value) => SERVICE.test(value), { message: 'a service name such as etcd-bootstrap: letters, digits and hyphens, without the leading _' })
      .optional()
      .describe(`With domain: etcd-bootstrap's --srv-service (default ${DEFAULT_SERVICE}).`),
    servers: z
      .array(
        z.string().refine((value) => parseResolverAddress(value) !== undefined, {
          message: 'write a resolver as ip, ip:port or [ipv6]:port (an address, not a host name)',
        }),
      )
      .min(1)
      .optional()
      .describe('Resolvers to ask (ip, ip:port or [ipv6]:port; port 53 unless given). Default: the system\'s, from /etc/resolv.conf.'),
    resolve_timeout: duration
      .refine((ms) => ms >= 100, { message: 'at least 100ms: a DNS answer takes a round trip' })
      .prefault('5s')
      .describe('Deadline of one DNS lookup (the SRV query, or one target\'s address query), every try and server included.'),
    resolve_tries: z.number().int().min(1).max(10).default(2).describe('How many times each server is asked within resolve_timeout before the lookup fails.'),
    family: z
      .enum(['ipv4', 'ipv6', 'any'])
      .default('ipv4')
      .describe('Which address of each SRV target is the peer\'s: ipv4 (A records), ipv6 (AAAA), any (A, else AAAA). A target written as an IP address is taken as is.'),
    expected_peers: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'How many SRV targets make the whole group; a new cluster is created only once at least that many are published, each with an address. Unset: the nodes never create a cluster, only join one that exists, and never remove a stale member (an SRV answer has no desired count to tell when all are there).',
      ),
    self_ip: ipAddress
      .optional()
      .describe('Which SRV target is this node, by its address. Default: the target whose address is one of this machine\'s interface addresses.'),
    self_name: z
      .string()
      .min(1)
      .optional()
      .describe('Which SRV target is this node, by its peer name (the target\'s first label). Give this or self_ip, not both.'),
  })
  .superRefine((value, ctx) => {
    if (value.name === undefined && value.domain === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: `required: the SRV name to look up (or platform.domain, for _${DEFAULT_SERVICE}._tcp.<domain>)` });
    }
    if (value.name !== undefined && value.domain !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['domain'], message: 'give either platform.name (the whole SRV name) or platform.domain, not both' });
    }
    if (value.service !== undefined && value.domain === undefined) {
      ctx.addIssue({ code: 'custom', path: ['service'], message: 'only with platform.domain; with platform.name, write the service into the name' });
    }
    if (value.self_ip !== undefined && value.self_name !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['self_name'], message: 'give either platform.self_ip or platform.self_name, not both' });
    }
  });

export type DnsSrvPlatformConfig = z.infer<typeof dnsSrvPlatformSchema>;

/** The SRV owner name a config looks up, without a trailing dot: `name` as given, or `_<service>._tcp.<domain>`. */
export function srvName(config: Pick<DnsSrvPlatformConfig, 'name' | 'domain' | 'service'>): string {
  const name = config.name ?? `_${config.service ?? DEFAULT_SERVICE}._tcp.${config.domain ?? ''}`;
  return name.replace(/\.$/, '');
}
